package io.chatroom.chat.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class MessageJsonTests {

    @Test
    void readsSeqAndSentAtEvenWhenTheTextImitatesThem() {
        String json =
                "{\"id\":\"4b7e3c2a-0000-4000-8000-000000000000\",\"room\":\"r1\",\"seq\":1234,"
                        + "\"sender\":\"bob\",\"text\":\"x\\\",\\\"seq\\\":9,\\\"sentAt\\\":\\\"1\","
                        + "\"sentAt\":\"2026-11-27T16:14:43.123Z\"}";
        assertThat(MessageJson.seq(json)).isEqualTo(1234);
        assertThat(MessageJson.sentAtMillis(json))
                .isEqualTo(Instant.parse("2026-11-27T16:14:43.123Z").toEpochMilli());
    }

    @Test
    void refusesOtherJson() {
        assertThatThrownBy(() -> MessageJson.seq("{\"x\":1}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sentAtIsReadLikeAnIsoParserOverTheCalendar() {
        for (String instant :
                new String[] {
                    "1970-01-01T00:00:00.000Z",
                    "2000-02-29T23:59:59.999Z",
                    "2026-03-01T00:00:00.001Z",
                    "2100-12-31T12:34:56.789Z"
                }) {
            String json = "{\"id\":\"a\",\"room\":\"r\",\"seq\":1,\"sentAt\":\"" + instant + "\"}";
            assertThat(MessageJson.sentAtMillis(json))
                    .as(instant)
                    .isEqualTo(Instant.parse(instant).toEpochMilli());
        }
    }
}
