package io.chatroom.chat;

/** Error codes of the chat-app beyond the shared {@link io.chatroom.common.ErrorCodes}. */
public final class ChatAppErrorCodes {
    /** A SEND or SUBSCRIBE to a destination the server does not offer. */
    public static final String BAD_DESTINATION = "bad_destination";

    /** A {@code history} or {@code resume-after} header that is not a number in range. */
    public static final String BAD_HEADER = "bad_header";

    /** A SUBSCRIBE without an {@code id} header. */
    public static final String MISSING_SUBSCRIPTION_ID = "missing_subscription_id";

    /** A SUBSCRIBE whose {@code id} another subscription of the session already uses. */
    public static final String DUPLICATE_SUBSCRIPTION_ID = "duplicate_subscription_id";

    private ChatAppErrorCodes() {}
}
