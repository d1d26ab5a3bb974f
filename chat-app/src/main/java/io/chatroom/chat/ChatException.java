package io.chatroom.chat;

/** A refused client request, reported on {@code /user/queue/errors}; the session stays open. */
public class ChatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final String clientMessageId;

    public ChatException(String code, String message, String clientMessageId) {
        super(message);
        this.code = code;
        this.clientMessageId = clientMessageId;
    }

    public String code() {
        return code;
    }

    public String clientMessageId() {
        return clientMessageId;
    }
}
