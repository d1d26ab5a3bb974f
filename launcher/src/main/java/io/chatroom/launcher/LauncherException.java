package io.chatroom.launcher;

/** A problem the user can fix; its message says how, and is printed without a stack trace. */
final class LauncherException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LauncherException(String message) {
        super(message);
    }

    LauncherException(String message, Throwable cause) {
        super(message, cause);
    }
}
