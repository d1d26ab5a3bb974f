package io.chatroom.common;

/** Body of {@code SEND /app/rooms/{room}}; the sender comes from the session, never from here. */
public record SendRequest(String clientMessageId, String text) {}
