package io.chatroom.chat.stomp;

/**
 * Lets an asynchronous WebSocket send that completed at once report on the thread that started it,
 * instead of on another of the container's threads.
 *
 * <p>The WebSocket specification asks a container to call a send's completion handler on a
 * different thread than the one that sent (so handlers that send again cannot nest without bound),
 * and Tomcat hands every completion to its executor, even that of a write the socket took at once.
 * For a chat server that is one thread wake-up per frame batch per session: in a profile of 100
 * subscribers it was about a third of the server's CPU, more than the writes themselves. The
 * container's executor asks {@link #runInline}, which runs such a completion inline when, and only
 * when, it is handed over while an outbox is inside its own send call on this thread; {@link
 * SessionOutbox} then notices the completion after the send call returned and goes on from there,
 * so nothing nests. A completion that comes later (the socket was full and the poller finished the
 * write) still goes to the container's threads.
 */
public final class InlineSendCompletions {
    private static final ThreadLocal<Boolean> SENDING = new ThreadLocal<>();

    /** Tomcat's task that calls a send's completion handler. */
    private static final String COMPLETION_TASK = "WsRemoteEndpointImplServer$OnResultRunnable";

    private InlineSendCompletions() {}

    /** Runs the container's send call; a completion it hands over at once runs right here. */
    static void send(Runnable send) {
        SENDING.set(Boolean.TRUE);
        try {
            send.run();
        } finally {
            SENDING.remove();
        }
    }

    /**
     * For the container's executor: runs the task here and returns true if it is the completion of
     * a send in progress on this thread; else returns false and the executor runs it as usual.
     */
    public static boolean runInline(Runnable task) {
        if (SENDING.get() != null && task.getClass().getName().endsWith(COMPLETION_TASK)) {
            task.run();
            return true;
        }
        return false;
    }
}
