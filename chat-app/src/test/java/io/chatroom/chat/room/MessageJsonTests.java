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
        assertThat(MessageJson.sentAt(json)).isEqualTo(Instant.parse("2026-11-27T16:14:43.123Z"));
    }

    @Test
    void refusesOtherJson() {
        assertThatThrownBy(() -> MessageJson.seq("{\"x\":1}"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
