package io.chatroom.chat.stomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompEncoder;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;

class StompFramesTests {

    @Test
    void anErrorFrameNamesItsReasonAndSaysMoreInPlainText() {
        Message<byte[]> error = StompFrames.error("s-1", "token_revoked", "log in again");

        StompHeaderAccessor headers = StompHeaderAccessor.wrap(error);
        assertThat(headers.getCommand()).isEqualTo(StompCommand.ERROR);
        assertThat(headers.getSessionId()).isEqualTo("s-1");
        String frame =
                new String(
                        new StompEncoder().encode(error.getHeaders(), error.getPayload()),
                        StandardCharsets.UTF_8);
        assertThat(frame)
                .startsWith("ERROR\n")
                .contains("\nmessage:token_revoked\n", "\ncontent-type:text/plain\n")
                .endsWith("\n\nlog in again\0");
    }

    @Test
    void anErrorFrameForSpringsErrorHandlerLeavesTheSessionToIt() {
        Message<byte[]> error = StompFrames.error(null, "unauthorized", "bad token");

        assertThat(StompHeaderAccessor.wrap(error).getSessionId()).isNull();
        assertThat(error.getPayload()).isEqualTo("bad token".getBytes(StandardCharsets.UTF_8));
    }
}
