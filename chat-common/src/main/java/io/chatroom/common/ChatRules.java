package io.chatroom.common;

import java.util.regex.Pattern;

/** The contract's validation rules, in one place for every app. */
public final class ChatRules {
    public static final Pattern ROOM = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,63}$");
    public static final Pattern USERNAME = Pattern.compile("^[A-Za-z0-9_.-]{3,32}$");
    public static final int ROOM_MAX = 64;
    public static final int PASSWORD_MIN = 8;
    public static final int PASSWORD_MAX = 128;
    public static final int TEXT_MAX = 2000;
    public static final int HISTORY_MAX = 200;
    public static final int CLIENT_MESSAGE_ID_MAX = 64;

    /** Header names of the cluster's own HTTP calls and of STOMP subscriptions. */
    public static final String CLUSTER_KEY_HEADER = "X-Cluster-Key";

    public static final String HISTORY_HEADER = "history";
    public static final String RESUME_AFTER_HEADER = "resume-after";

    private ChatRules() {}

    /**
     * Whether {@code room} matches {@link #ROOM}; checked without the regex, as every SEND and
     * SUBSCRIBE asks.
     */
    public static boolean isValidRoom(String room) {
        if (room == null || room.isEmpty() || room.length() > ROOM_MAX) {
            return false;
        }
        for (int i = 0; i < room.length(); i++) {
            char c = room.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z')
                            || (c >= '0' && c <= '9')
                            || (i > 0 && (c == '_' || c == '-'));
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public static boolean isValidUsername(String username) {
        return username != null && USERNAME.matcher(username).matches();
    }

    public static boolean isValidPassword(String password) {
        return password != null
                && password.length() >= PASSWORD_MIN
                && password.length() <= PASSWORD_MAX;
    }

    /**
     * Text is valid when 1..2000 characters remain after trimming. Characters are Unicode code
     * points, so an emoji counts once.
     */
    public static boolean isValidText(String text) {
        return storedText(text) != null;
    }

    /**
     * What is stored and delivered for a text, or null if it is not valid: the text as sent when it
     * has at most 2000 characters, else (white space around a valid text) the trimmed text. So no
     * stored or broadcast text is longer than the limit, however much white space a client wraps it
     * in, and a text within the limit is kept character for character.
     */
    public static String storedText(String text) {
        if (text == null) {
            return null;
        }
        String trimmed = text.strip();
        if (trimmed.isEmpty() || trimmed.codePointCount(0, trimmed.length()) > TEXT_MAX) {
            return null;
        }
        return text.codePointCount(0, text.length()) <= TEXT_MAX ? text : trimmed;
    }

    /** A client message id is a short opaque token (a UUID in practice). */
    public static boolean isValidClientMessageId(String id) {
        if (id == null || id.isEmpty() || id.length() > CLIENT_MESSAGE_ID_MAX) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || c == '-'
                            || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
