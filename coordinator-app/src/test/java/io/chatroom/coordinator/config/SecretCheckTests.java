package io.chatroom.coordinator.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatroom.coordinator.CoordinatorApplication;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.mock.env.MockEnvironment;

class SecretCheckTests {
    private static final String STRONG = "a-strong-random-secret-0123456789abcdef0123";
    private static final String DEFAULT = "dev-only-cluster-key-0123456789abcdef0123";

    @Test
    void theAppRefusesToStartWithTheDefaultAuthSecretOutsideDev() {
        // application.yaml's defaults are the dev-only secrets; no profile is active. The stores
        // point nowhere (arguments outrank application.yaml): the refusal comes before any
        // connection to them.
        assertThatThrownBy(
                        () ->
                                new SpringApplicationBuilder(CoordinatorApplication.class)
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

    @Test
    void refusesTheDefaultClusterKeyAndShortSecrets() {
        MockEnvironment noProfile = new MockEnvironment();
        assertThatThrownBy(() -> SecretCheck.check(properties(STRONG, DEFAULT), noProfile))
                .hasMessageContaining("chatroom.cluster-key");
        assertThatThrownBy(() -> SecretCheck.check(properties("short", STRONG), noProfile))
                .hasMessageContaining("chatroom.auth.secret")
                .hasMessageContaining("shorter than 32 bytes");
        assertThatThrownBy(() -> SecretCheck.check(properties(null, STRONG), noProfile))
                .hasMessageContaining("chatroom.auth.secret");
    }

    @Test
    void acceptsStrongSecretsAndAnythingInDev() {
        assertThatCode(
                        () ->
                                SecretCheck.check(
                                        properties(STRONG, STRONG + "x"), new MockEnvironment()))
                .doesNotThrowAnyException();

        MockEnvironment dev = new MockEnvironment();
        dev.setActiveProfiles("dev");
        assertThatCode(() -> SecretCheck.check(properties(DEFAULT, "short"), dev))
                .doesNotThrowAnyException();
    }

    static ChatroomProperties properties(String authSecret, String clusterKey) {
        return new ChatroomProperties(
                clusterKey,
                null,
                null,
                new ChatroomProperties.Auth(authSecret, null, null, null, null, null, null),
                null,
                null);
    }
}
