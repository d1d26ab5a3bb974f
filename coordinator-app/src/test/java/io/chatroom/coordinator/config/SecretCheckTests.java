package io.chatroom.coordinator.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatroom.coordinator.CoordinatorApplication;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.mock.env.MockEnvironment;

class SecretCheckTests {
    private static final String STRONG = "a-strong-random-secret-0123456789abcdef0123";

    @Test
    void theAppRefusesToStartWithTheDefaultAuthSecretOutsideDev() {
        // application.yaml's defaults are the dev-only secrets; no profile is active.
        assertThatThrownBy(
                        () ->
                                new SpringApplicationBuilder(CoordinatorApplication.class)
                                        .properties("server.port=0")
                                        .run()
                                        .close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chatroom.auth.secret")
                .hasMessageContaining("CHATROOM_AUTH_SECRET");
    }

    @Test
    void refusesTheDefaultClusterKeyAndShortSecrets() {
        MockEnvironment defaultClusterKey =
                new MockEnvironment().withProperty("chatroom.auth.secret", STRONG);
        defaultClusterKey.setProperty(
                "chatroom.cluster-key", "dev-only-cluster-key-0123456789abcdef0123");
        assertThatThrownBy(() -> new SecretCheck(defaultClusterKey).postProcessBeanFactory(null))
                .hasMessageContaining("chatroom.cluster-key");

        MockEnvironment shortSecret =
                new MockEnvironment()
                        .withProperty("chatroom.auth.secret", "short")
                        .withProperty("chatroom.cluster-key", STRONG);
        assertThatThrownBy(() -> new SecretCheck(shortSecret).postProcessBeanFactory(null))
                .hasMessageContaining("shorter than 32 bytes");
    }

    @Test
    void acceptsStrongSecretsAndAnythingInDev() {
        MockEnvironment strong =
                new MockEnvironment()
                        .withProperty("chatroom.auth.secret", STRONG)
                        .withProperty("chatroom.cluster-key", STRONG + "x");
        assertThatCode(() -> new SecretCheck(strong).postProcessBeanFactory(null))
                .doesNotThrowAnyException();

        MockEnvironment dev = new MockEnvironment();
        dev.setActiveProfiles("dev");
        assertThatCode(() -> new SecretCheck(dev).postProcessBeanFactory(null))
                .doesNotThrowAnyException();
    }
}
