package io.chatroom.chat.room;

/**
 * What a new subscriber gets before live messages: nothing, the last {@code history} messages, or
 * every message after {@code resumeAfter} still in the window.
 */
public record Replay(int history, Long resumeAfter) {
    public static final Replay NONE = new Replay(0, null);
}
