package io.chatroom.common;

/** The stable error codes a client may branch on (documented in docs/api.md). */
public final class ErrorCodes {
    public static final String BAD_JSON = "bad_json";
    public static final String BAD_ROOM = "bad_room";
    public static final String BAD_TEXT = "bad_text";
    public static final String BAD_CLIENT_MESSAGE_ID = "bad_client_message_id";
    public static final String RATE_LIMITED = "rate_limited";
    public static final String UNAVAILABLE = "unavailable";
    public static final String INTERNAL = "internal";

    private ErrorCodes() {}
}
