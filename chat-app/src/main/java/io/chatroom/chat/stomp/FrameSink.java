package io.chatroom.chat.stomp;

/** Finds the way out of a session by its id. */
@FunctionalInterface
public interface FrameSink {

    /** The session's target, or null if the session is not (or no longer) open. */
    FrameTarget target(String sessionId);
}
