package io.chatroom.bench.stomp;

/** Receives the frames {@link StompScanner} finds, without a frame object per message. */
public interface StompFrameHandler {
    void onConnected();

    /**
     * One MESSAGE frame; the body is {@code frame[bodyStart, bodyEnd)}, valid only during the call.
     */
    void onMessage(char subscription, CharSequence frame, int bodyStart, int bodyEnd);

    /** An ERROR frame: the server will close the connection. */
    void onError(String message);
}
