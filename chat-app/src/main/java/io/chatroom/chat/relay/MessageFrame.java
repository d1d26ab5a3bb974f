package io.chatroom.chat.relay;

import java.nio.charset.StandardCharsets;

/**
 * One room message encoded once as a STOMP 1.2 MESSAGE frame: every subscriber gets the same bytes
 * except for its {@code subscription} and {@code message-id} headers, so a delivery is one string
 * concatenation instead of a header map, a frame encode and a decode. Headers come in the order
 * Spring's STOMP encoder wrote them (optional {@code x-window-start}, destination, content-type,
 * subscription, message-id, content-length).
 */
final class MessageFrame {
    private final String headers;
    private final String seqPrefix;
    private final String tail;

    /**
     * @param destination a room topic; room names need no header escaping
     * @param body the message JSON, sent byte for byte
     */
    MessageFrame(String destination, long seq, String body) {
        this.headers = "destination:" + destination + "\ncontent-type:application/json\n";
        this.seqPrefix = seq + "-";
        int contentLength = body.getBytes(StandardCharsets.UTF_8).length;
        this.tail = "\ncontent-length:" + contentLength + "\n\n" + body + '\0';
    }

    /**
     * The frame for one subscription; {@code message-id} is {@code <seq>-<subscription>}, unique
     * within the session as a subscription gets each seq once.
     *
     * @param subscription the subscription id, already escaped with {@link #escape}
     * @param windowStart value of {@code x-window-start}, or null for none
     */
    String forSubscription(String subscription, String windowStart) {
        String windowHeader =
                windowStart == null ? "" : RoomRelay.WINDOW_START_HEADER + ':' + windowStart + '\n';
        return "MESSAGE\n"
                + windowHeader
                + headers
                + "subscription:"
                + subscription
                + "\nmessage-id:"
                + seqPrefix
                + subscription
                + tail;
    }

    /** STOMP 1.2 header value escaping, as Spring's encoder does for MESSAGE frames. */
    static String escape(String value) {
        StringBuilder escaped = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String replacement =
                    switch (c) {
                        case '\\' -> "\\\\";
                        case ':' -> "\\c";
                        case '\n' -> "\\n";
                        case '\r' -> "\\r";
                        default -> null;
                    };
            if (replacement != null && escaped == null) {
                escaped = new StringBuilder(value.length() + 8).append(value, 0, i);
            }
            if (escaped != null) {
                if (replacement != null) {
                    escaped.append(replacement);
                } else {
                    escaped.append(c);
                }
            }
        }
        return escaped == null ? value : escaped.toString();
    }
}
