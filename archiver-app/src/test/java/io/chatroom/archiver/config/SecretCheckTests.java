package io.chatroom.archiver.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatroom.archiver.ArchiverApplication;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.mock.env.MockEnvironment;

class SecretCheckTests {
    private static final String DEFAULT_KEY = "dev-only-cluster-key-0123456789abcdef0123";

    @Test
    void theAppRefusesToStartWithTheDefaultClusterKeyOutsideDev() {
        // application.yaml's default is the dev-only key; no profile is active. The stores point
        // nowhere (arguments outrank application.yaml): the refusal comes before any connection.
        assertThatThrownBy(
                        () ->
                                new SpringApplicationBuilder(ArchiverApplication.class)
                                        .run(
                                                "--server.port=0",
                                                "--chatroom.backup.cron=-",
                                                "--spring.data.redis.url=redis://127.0.0.1:1",
                                                "--spring.datasource.url="
                                                        + "jdbc:postgresql://127.0.0.1:1/nowhere")
                                        .close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chatroom.cluster-key")
                .hasMessageContaining("CHATROOM_CLUSTER_KEY");
    }

    @Test
    void refusesTheDefaultOrAShortKeyOutsideDev() {
        assertThatThrownBy(() -> SecretCheck.check(withKey(DEFAULT_KEY), new MockEnvironment()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chatroom.cluster-key");
        assertThatThrownBy(() -> SecretCheck.check(withKey("short"), new MockEnvironment()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void acceptsTheDefaultInDevAndAStrongKeyAnywhere() {
        MockEnvironment dev = new MockEnvironment();
        dev.setActiveProfiles("dev");
        assertThatCode(() -> SecretCheck.check(withKey(DEFAULT_KEY), dev))
                .doesNotThrowAnyException();
        assertThatCode(() -> SecretCheck.check(withKey("x".repeat(48)), new MockEnvironment()))
                .doesNotThrowAnyException();
    }

    private static ChatroomProperties withKey(String key) {
        return new ChatroomProperties(key, List.of(), null, null, null, null);
    }
}
