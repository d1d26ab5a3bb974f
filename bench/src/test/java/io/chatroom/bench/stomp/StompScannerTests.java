package io.chatroom.bench.stomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StompScannerTests {

    /** Records what the scanner reports. */
    private static final class Recorder implements StompFrameHandler {
        final List<String> events = new ArrayList<>();

        @Override
        public void onConnected() {
            events.add("CONNECTED");
        }

        @Override
        public void onMessage(char subscription, CharSequence frame, int bodyStart, int bodyEnd) {
            events.add("MESSAGE " + subscription + " " + frame.subSequence(bodyStart, bodyEnd));
        }

        @Override
        public void onError(String message) {
            events.add("ERROR " + message);
        }
    }

    @Test
    void readsConnectedAndMessageWithSubscriptionAndBody() {
        Recorder r = new Recorder();
        String text =
                "CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0"
                        + "MESSAGE\ndestination:/topic/rooms/a\ncontent-type:application/json\n"
                        + "subscription:r\nmessage-id:x-1\ncontent-length:9\n\n{\"seq\":1}\0";

        int frames = StompScanner.scan(text, r);

        assertThat(frames).isEqualTo(2);
        assertThat(r.events).containsExactly("CONNECTED", "MESSAGE r {\"seq\":1}");
    }

    @Test
    void readsSeveralFramesInOneWebSocketMessageWithHeartBeatsBetween() {
        Recorder r = new Recorder();
        String text =
                "\nMESSAGE\nsubscription:a\n\n{\"seq\":2}\0\n"
                        + "MESSAGE\r\nsubscription:e\r\n\r\n{\"code\":\"bad_text\"}\0\n\n";

        int frames = StompScanner.scan(CharBuffer.wrap(text), r);

        assertThat(frames).isEqualTo(2);
        assertThat(r.events)
                .containsExactly("MESSAGE a {\"seq\":2}", "MESSAGE e {\"code\":\"bad_text\"}");
    }

    @Test
    void bodyEndsAtNulEvenWhenContentLengthCountsUtf8Bytes() {
        Recorder r = new Recorder();
        // "é" is 2 bytes in UTF-8 but one char: a char-based content-length read would overrun.
        String text = "MESSAGE\nsubscription:r\ncontent-length:14\n\n{\"text\":\"é\"}\0";

        StompScanner.scan(text, r);

        assertThat(r.events).containsExactly("MESSAGE r {\"text\":\"é\"}");
    }

    @Test
    void errorFrameReportsMessageHeaderAndBody() {
        Recorder r = new Recorder();

        StompScanner.scan("ERROR\nmessage:invalid token\n\nexpired\0", r);

        assertThat(r.events).containsExactly("ERROR invalid token expired");
    }

    @Test
    void receiptIsIgnoredAndIncompleteFrameIsAnError() {
        Recorder r = new Recorder();

        StompScanner.scan("RECEIPT\nreceipt-id:1\n\n\0MESSAGE\nsubscription:r\n\n{\"seq\":3}", r);

        assertThat(r.events).containsExactly("ERROR frame without NUL terminator");
    }

    @Test
    void framesBuiltByStompFramesScanAsWellFormed() {
        Recorder r = new Recorder();
        String send = StompFrames.send(StompFrames.sendPrefix("room-1"), "id-1", 123L, 20);

        int frames = StompScanner.scan(send.replaceFirst("^SEND", "MESSAGE"), r);

        assertThat(frames).isEqualTo(1);
        assertThat(r.events)
                .containsExactly(
                        "MESSAGE \0 {\"clientMessageId\":\"id-1\",\"text\":\"123xxxxxxxxxxxxxxxxx\"}");
    }
}
