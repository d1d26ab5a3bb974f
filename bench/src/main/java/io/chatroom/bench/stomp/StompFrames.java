package io.chatroom.bench.stomp;

/**
 * Builds the few STOMP 1.2 client frames the load generator sends, as WebSocket text. Header values
 * are ours (room names, ids, tokens) and never contain ':' or newlines, so no escaping is needed.
 */
public final class StompFrames {
    /** Subscription id of the room topic. */
    public static final char SUB_ROOM = 'r';

    /** Subscription id of {@code /user/queue/acks}. */
    public static final char SUB_ACKS = 'a';

    /** Subscription id of {@code /user/queue/errors}. */
    public static final char SUB_ERRORS = 'e';

    private static final char NUL = '\0';

    private StompFrames() {}

    /** CONNECT with heart-beats off: an idle benchmark connection must not cost CPU. */
    public static String connect(String host, String bearerToken) {
        return "CONNECT\naccept-version:1.2\nhost:"
                + host
                + "\nheart-beat:0,0\nAuthorization:Bearer "
                + bearerToken
                + "\n\n"
                + NUL;
    }

    public static String subscribe(char id, String destination) {
        return "SUBSCRIBE\nid:" + id + "\ndestination:" + destination + "\nack:auto\n\n" + NUL;
    }

    public static String disconnect() {
        return "DISCONNECT\n\n" + NUL;
    }

    /** The constant part of a SEND to one room, up to the body. */
    public static String sendPrefix(String room) {
        return "SEND\ndestination:/app/rooms/" + room + "\ncontent-type:application/json\n\n";
    }

    /**
     * A SEND frame whose text starts with the send time in nanoseconds (so every receiver in this
     * JVM can compute latency without a lookup) and is padded with 'x' to {@code textLength}.
     */
    public static String send(
            String sendPrefix, String clientMessageId, long sendNanos, int textLength) {
        StringBuilder sb = new StringBuilder(sendPrefix.length() + textLength + 64);
        sb.append(sendPrefix).append("{\"clientMessageId\":\"").append(clientMessageId);
        sb.append("\",\"text\":\"");
        int textStart = sb.length();
        sb.append(sendNanos);
        while (sb.length() - textStart < textLength) {
            sb.append('x');
        }
        return sb.append("\"}").append(NUL).toString();
    }

    /** A SEND whose text is not a timestamp (warm-up messages, excluded from latency). */
    public static String sendPlain(String sendPrefix, String clientMessageId, String text) {
        return sendPrefix
                + "{\"clientMessageId\":\""
                + clientMessageId
                + "\",\"text\":\""
                + text
                + "\"}"
                + NUL;
    }
}
