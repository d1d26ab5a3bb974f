package io.chatroom.launcher;

/** What the launcher knows about one app. */
enum Health {
    /** Not started yet: waits for the apps it depends on. */
    WAITING,
    /** Running, but its HTTP port does not answer yet. */
    STARTING,
    /** Readiness says UP. */
    UP,
    /** Answers HTTP, but readiness is not UP (e.g. Redis or PostgreSQL unreachable). */
    DOWN,
    /** The process ended. */
    EXITED
}
