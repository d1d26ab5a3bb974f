package io.chatroom.chat.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatroom.chat.ChatApplication;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

class SecretCheckTests {

    @Test
    void theAppRefusesToStartWithTheDefaultSecretsOutsideDevBeforeTouchingAStore() {
        // application.yaml's defaults are the dev-only secrets; no profile is active. The stores
        // point nowhere: the refusal comes before any connection to them.
        assertThatThrownBy(
                        () ->
                                new SpringApplicationBuilder(ChatApplication.class)
                                        .run(
                                                "--server.port=0",
                                                "--spring.data.redis.url=redis://127.0.0.1:1",
                                                "--spring.datasource.url="
                                                        + "jdbc:postgresql://127.0.0.1:1/nowhere")
                                        .close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chatroom.auth.secret")
                .hasMessageContaining("CHATROOM_AUTH_SECRET");
    }
}
