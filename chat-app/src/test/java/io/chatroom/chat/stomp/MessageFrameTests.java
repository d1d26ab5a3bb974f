package io.chatroom.chat.stomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompEncoder;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.util.MimeTypeUtils;

class MessageFrameTests {
    private static final String BODY = "{\"room\":\"lobby\",\"seq\":7,\"text\":\"héllo ✓\"}";

    /** What Spring's STOMP handler wrote for the same message before frames were pre-encoded. */
    private static String springFrame(String windowStart, String subscription, String messageId) {
        StompHeaderAccessor headers = StompHeaderAccessor.create(StompCommand.MESSAGE);
        if (windowStart != null) {
            headers.setNativeHeader(StompFrames.WINDOW_START_HEADER, windowStart);
        }
        headers.setNativeHeader("destination", "/topic/rooms/lobby");
        headers.setNativeHeader("content-type", MimeTypeUtils.APPLICATION_JSON.toString());
        headers.setNativeHeader("subscription", subscription);
        headers.setNativeHeader("message-id", messageId);
        byte[] frame =
                new StompEncoder()
                        .encode(headers.getMessageHeaders(), BODY.getBytes(StandardCharsets.UTF_8));
        return new String(frame, StandardCharsets.UTF_8);
    }

    @Test
    void isTheFrameSpringsEncoderWrites() {
        MessageFrame frame = new MessageFrame("/topic/rooms/lobby", 7, BODY);

        assertThat(text(frame.forSubscription("sub-0", null)))
                .isEqualTo(springFrame(null, "sub-0", "7-sub-0"));
        assertThat(text(frame.forSubscription("sub-0", "7")))
                .isEqualTo(springFrame("7", "sub-0", "7-sub-0"));
    }

    /**
     * Subscribers with the same subscription id share one encoded frame; other ids, and a frame
     * with {@code x-window-start}, get their own. Past the first few ids each is encoded afresh.
     */
    @Test
    void subscribersWithTheSameSubscriptionIdShareOneEncodedFrame() {
        MessageFrame frame = new MessageFrame("/topic/rooms/lobby", 7, BODY);

        byte[] first = frame.forSubscription("sub-0", null);
        assertThat(frame.forSubscription("sub-0", null)).isSameAs(first);
        byte[] other = frame.forSubscription("sub-1", null);
        assertThat(text(other)).isEqualTo(springFrame(null, "sub-1", "7-sub-1"));
        assertThat(frame.forSubscription("sub-1", null)).isSameAs(other);
        assertThat(frame.forSubscription("sub-0", "7")).isNotSameAs(first);
        assertThat(frame.forSubscription("sub-0", null)).isSameAs(first);
        for (int i = 2; i < 8; i++) {
            assertThat(text(frame.forSubscription("sub-" + i, null)))
                    .isEqualTo(springFrame(null, "sub-" + i, "7-sub-" + i));
        }
        assertThat(frame.forSubscription("sub-1", null)).isSameAs(other);
    }

    private static String text(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    @Test
    void contentLengthCountsUtf8Bytes() {
        String frame =
                text(new MessageFrame("/topic/rooms/lobby", 7, BODY).forSubscription("s", null));

        assertThat(frame)
                .contains("content-length:" + BODY.getBytes(StandardCharsets.UTF_8).length + "\n")
                .endsWith("\n\n" + BODY + "\0");
    }

    @Test
    void escapesSubscriptionIdsLikeStomp12() {
        String escaped = StompFrames.escape("a:b\\c\nd\re");

        assertThat(escaped).isEqualTo("a\\cb\\\\c\\nd\\re");
        assertThat(
                        text(
                                new MessageFrame("/topic/rooms/lobby", 7, BODY)
                                        .forSubscription(escaped, null)))
                .isEqualTo(springFrame(null, "a:b\\c\nd\re", "7-a:b\\c\nd\re"));
        assertThat(StompFrames.escape("plain-id")).isSameAs("plain-id");
    }

    @Test
    void utf8LengthCountsLikeTheEncoder() {
        for (String text : new String[] {"", "ascii", "héllo ✓", "emoji 😀 and \uD83D alone"}) {
            assertThat(StompFrames.utf8Length(text))
                    .as(text)
                    .isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    void ackAndReceiptFramesAreWhatSpringsEncoderWrites() {
        StompHeaderAccessor receipt = StompHeaderAccessor.create(StompCommand.RECEIPT);
        receipt.setReceiptId("r:1");
        String expected =
                new String(
                        new StompEncoder().encode(receipt.getMessageHeaders(), new byte[0]),
                        StandardCharsets.UTF_8);

        assertThat(StompFrames.receipt("r:1")).isEqualTo(expected);
        assertThat(StompFrames.jsonMessage("/user/queue/acks", "sub-1", "ack-1", "{\"a\":\"é\"}"))
                .isEqualTo(
                        "MESSAGE\ndestination:/user/queue/acks\ncontent-type:application/json\n"
                                + "subscription:sub-1\nmessage-id:ack-1\ncontent-length:10\n\n"
                                + "{\"a\":\"é\"}\0");
    }
}
