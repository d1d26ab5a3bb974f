package io.chatroom.common;

/** Sent to the sender on {@code /user/queue/acks} once its message has a {@code seq}. */
public record SendAck(String clientMessageId, long seq) {}
