package io.chatroom.chat.messaging;

/** Error codes of the chat-app beyond the shared {@link io.chatroom.common.ErrorCodes}. */
public final class ChatAppErrorCodes {
    /** A SEND or SUBSCRIBE to a destination the server does not offer. */
    public static final String BAD_DESTINATION = "bad_destination";

    /** A {@code history} or {@code resume-after} header that is not a number in range. */
    public static final String BAD_HEADER = "bad_header";

    private ChatAppErrorCodes() {}
}
