package io.chatroom.archiver.drain;

/**
 * Called between the steps of one batch; tests throw from it to simulate a crash at that point.
 * Production uses {@link #NONE}.
 */
@FunctionalInterface
interface CrashHook {
    CrashHook NONE = (point, shard) -> {};

    void reached(CrashPoint point, int shard);
}
