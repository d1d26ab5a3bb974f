package io.chatroom.chat.stomp;

/** One open session's ordered way out: frames offered here leave in the order offered. */
public interface FrameTarget {

    /** Queues one encoded STOMP frame; never blocks on the socket. */
    void offer(String frame);

    /**
     * Queues one STOMP frame already encoded to UTF-8; never blocks on the socket. The array may be
     * shared with other sessions: it is written as it is, never modified.
     */
    void offer(byte[] utf8Frame);

    /** False once the session closed or is closing; later offers are dropped. */
    boolean isWritable();
}
