package io.chatroom.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class SendAckTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void writesWhatJacksonWritesAndReadsBack() {
        SendAck ack = new SendAck("3f2c9a1e-7b4d-4c2a-9e1f-0a1b2c3d4e5f", 9_007_199_254_740_993L);

        assertThat(ack.toJson()).isEqualTo(JSON.writeValueAsString(ack));
        assertThat(JSON.readValue(ack.toJson(), SendAck.class)).isEqualTo(ack);
    }

    @Test
    void refusesAnIdThatWouldNeedEscaping() {
        assertThatThrownBy(() -> new SendAck("a\"b", 1).toJson())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
