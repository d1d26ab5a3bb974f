package io.chatroom.chat.stomp;

import java.nio.charset.StandardCharsets;

/**
 * One room message encoded once as a STOMP 1.2 MESSAGE frame: every subscriber gets the same bytes
 * except for its {@code subscription} and {@code message-id} headers, so a delivery is one string
 * concatenation instead of a header map, a frame encode and a decode. Subscribers whose
 * subscription id is the same (clients number their subscriptions, so a room's subscribers mostly
 * share a few ids) share one encoded frame: their sessions write the same bytes. Headers come in
 * the order Spring's STOMP encoder wrote them (optional {@code x-window-start}, destination,
 * content-type, subscription, message-id, content-length).
 *
 * <p>Not thread-safe: a room's relay delivers each message from one thread.
 */
public final class MessageFrame {
    /** Encoded frames kept per message: one per distinct subscription id, the first few. */
    private static final int SHARED_FRAMES = 4;

    private final String headers;
    private final String seqPrefix;
    private final String tail;
    private final String[] sharedIds = new String[SHARED_FRAMES];
    private final byte[][] sharedFrames = new byte[SHARED_FRAMES][];

    /**
     * @param destination a room topic; room names need no header escaping
     * @param body the message JSON, sent byte for byte
     */
    public MessageFrame(String destination, long seq, String body) {
        this.headers = "destination:" + destination + "\ncontent-type:application/json\n";
        this.seqPrefix = seq + "-";
        int contentLength = StompFrames.utf8Length(body);
        this.tail = "\ncontent-length:" + contentLength + "\n\n" + body + '\0';
    }

    /**
     * The frame for one subscription, in UTF-8; {@code message-id} is {@code <seq>-<subscription>},
     * unique within the session as a subscription gets each seq once. The array may be shared with
     * other subscribers: never modify it.
     *
     * @param subscription the subscription id, already escaped with {@link StompFrames#escape}
     * @param windowStart value of {@code x-window-start}, or null for none
     */
    public byte[] forSubscription(String subscription, String windowStart) {
        if (windowStart != null) {
            return encode(subscription, windowStart);
        }
        for (int i = 0; i < SHARED_FRAMES; i++) {
            String id = sharedIds[i];
            if (id == null) {
                byte[] frame = encode(subscription, null);
                sharedIds[i] = subscription;
                sharedFrames[i] = frame;
                return frame;
            }
            if (id.equals(subscription)) {
                return sharedFrames[i];
            }
        }
        return encode(subscription, null);
    }

    private byte[] encode(String subscription, String windowStart) {
        String windowHeader =
                windowStart == null
                        ? ""
                        : StompFrames.WINDOW_START_HEADER + ':' + windowStart + '\n';
        return ("MESSAGE\n"
                        + windowHeader
                        + headers
                        + "subscription:"
                        + subscription
                        + "\nmessage-id:"
                        + seqPrefix
                        + subscription
                        + tail)
                .getBytes(StandardCharsets.UTF_8);
    }
}
