package io.chatroom.bench;

/** The load generator's console: printing results is its job, so no logging framework. */
@SuppressWarnings("checkstyle:regexp")
public final class Console {
    private Console() {}

    public static void out(String line) {
        System.out.println(line);
        System.out.flush();
    }

    public static void err(String line) {
        System.err.println(line);
        System.err.flush();
    }
}
