package io.chatroom.common;

/** Sent to one user on {@code /user/queue/errors}; {@code code} is one of {@link ErrorCodes}. */
public record ChatError(String code, String message, String clientMessageId) {}
