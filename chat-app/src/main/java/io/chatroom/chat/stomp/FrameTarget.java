package io.chatroom.chat.stomp;

/** One open session's ordered way out: frames offered here leave in the order offered. */
public interface FrameTarget {

    /** Queues one encoded STOMP frame; never blocks on the socket. */
    void offer(String frame);

    /** False once the session closed or is closing; later offers are dropped. */
    boolean isWritable();
}
