package io.chatroom.chat.stomp;

/**
 * One room message encoded once as a STOMP 1.2 MESSAGE frame: every subscriber gets the same bytes
 * except for its {@code subscription} and {@code message-id} headers, so a delivery is one string
 * concatenation instead of a header map, a frame encode and a decode. Headers come in the order
 * Spring's STOMP encoder wrote them (optional {@code x-window-start}, destination, content-type,
 * subscription, message-id, content-length).
 */
public final class MessageFrame {
    private final String headers;
    private final String seqPrefix;
    private final String tail;

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
     * The frame for one subscription; {@code message-id} is {@code <seq>-<subscription>}, unique
     * within the session as a subscription gets each seq once.
     *
     * @param subscription the subscription id, already escaped with {@link StompFrames#escape}
     * @param windowStart value of {@code x-window-start}, or null for none
     */
    public String forSubscription(String subscription, String windowStart) {
        String windowHeader =
                windowStart == null
                        ? ""
                        : StompFrames.WINDOW_START_HEADER + ':' + windowStart + '\n';
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
}
