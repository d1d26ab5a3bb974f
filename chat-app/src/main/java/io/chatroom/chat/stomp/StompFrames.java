package io.chatroom.chat.stomp;

import java.nio.charset.StandardCharsets;
import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.util.MimeTypeUtils;

/**
 * Every STOMP frame the server writes: those it encodes itself (room messages go through {@link
 * MessageFrame}, which encodes a message once for all its subscribers), with headers escaped as
 * STOMP 1.2 asks and a {@code content-length} on every frame with a body, and the ERROR frame that
 * Spring's STOMP handler encodes and closes the session after.
 */
public final class StompFrames {
    /** Native header on the first frame of a resume that could not start right after N. */
    public static final String WINDOW_START_HEADER = "x-window-start";

    private StompFrames() {}

    /**
     * A JSON MESSAGE frame for one subscription.
     *
     * @param destination a destination that needs no escaping (a room topic or user queue)
     * @param escapedSubscription the subscription id, already {@link #escape escaped}
     * @param messageId unique within the session, needs no escaping
     */
    public static String jsonMessage(
            String destination, String escapedSubscription, String messageId, String json) {
        return "MESSAGE\ndestination:"
                + destination
                + "\ncontent-type:application/json\nsubscription:"
                + escapedSubscription
                + "\nmessage-id:"
                + messageId
                + "\ncontent-length:"
                + utf8Length(json)
                + "\n\n"
                + json
                + '\0';
    }

    /** A RECEIPT frame. */
    public static String receipt(String receiptId) {
        return "RECEIPT\nreceipt-id:" + escape(receiptId) + "\n\n\0";
    }

    /**
     * An ERROR frame: header {@code message} names the reason in a few words, the plain-text body
     * says more, never internals or the token.
     *
     * @param sessionId the session, or null where Spring's handler knows it (its error handler)
     */
    public static Message<byte[]> error(String sessionId, String message, String detail) {
        StompHeaderAccessor headers = StompHeaderAccessor.create(StompCommand.ERROR);
        if (sessionId != null) {
            headers.setSessionId(sessionId);
        }
        headers.setMessage(message);
        headers.setContentType(MimeTypeUtils.TEXT_PLAIN);
        // Mutable as in Spring's own error handler, which may still add headers.
        headers.setLeaveMutable(true);
        return MessageBuilder.createMessage(
                detail.getBytes(StandardCharsets.UTF_8), headers.getMessageHeaders());
    }

    /**
     * The number of bytes {@code text} takes in UTF-8 (as String.getBytes), without encoding it.
     */
    static int utf8Length(String text) {
        int bytes = 0;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                // A lone surrogate: the encoder writes its replacement, '?'.
                bytes++;
            } else {
                bytes += 3;
            }
            i++;
        }
        return bytes;
    }

    /** STOMP 1.2 header value escaping, as Spring's encoder does for MESSAGE frames. */
    public static String escape(String value) {
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
