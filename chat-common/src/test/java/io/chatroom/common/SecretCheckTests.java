package io.chatroom.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.mock.env.MockEnvironment;

/** The apps' start-up secret check; each app's own test only shows that it declares it. */
class SecretCheckTests {
    private static final String STRONG = "a-strong-random-secret-0123456789abcdef0123";
    private static final String DEFAULT = "dev-only-cluster-key-0123456789abcdef0123";

    private static MockEnvironment secrets(String authSecret, String clusterKey) {
        MockEnvironment environment = new MockEnvironment();
        if (authSecret != null) {
            environment.setProperty(SecretCheck.AUTH_SECRET, authSecret);
        }
        if (clusterKey != null) {
            environment.setProperty(SecretCheck.CLUSTER_KEY, clusterKey);
        }
        return environment;
    }

    private static SecretCheck both(MockEnvironment environment) {
        return new SecretCheck(environment, SecretCheck.AUTH_SECRET, SecretCheck.CLUSTER_KEY);
    }

    @Test
    void refusesADefaultShortOrMissingSecretOutsideDevNamingIt() {
        assertThatThrownBy(() -> both(secrets(DEFAULT, STRONG)).check())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chatroom.auth.secret")
                .hasMessageContaining("CHATROOM_AUTH_SECRET");
        assertThatThrownBy(() -> both(secrets(STRONG, "short")).check())
                .hasMessageContaining("chatroom.cluster-key")
                .hasMessageContaining("shorter than 32 bytes");
        assertThatThrownBy(() -> both(secrets(STRONG, null)).check())
                .hasMessageContaining("chatroom.cluster-key");
    }

    @Test
    void acceptsStrongSecretsAndAnythingInADevProfile() {
        assertThatCode(() -> both(secrets(STRONG, STRONG + "x")).check())
                .doesNotThrowAnyException();

        MockEnvironment dev = secrets(DEFAULT, "short");
        dev.setActiveProfiles("prod", "dev");
        assertThatCode(() -> both(dev).check()).doesNotThrowAnyException();
    }

    @Test
    void checksOnlyTheSecretsTheAppHolds() {
        // The archiver has a cluster key and no auth secret.
        MockEnvironment archiver = secrets(null, STRONG);
        assertThatCode(() -> new SecretCheck(archiver, SecretCheck.CLUSTER_KEY).check())
                .doesNotThrowAnyException();
    }

    @Test
    void readsTheSettingsAsTheAppBindsThem() {
        // An environment variable overrides application.yaml's default, as it does for the app.
        MockEnvironment environment = secrets(DEFAULT, DEFAULT);
        environment
                .getPropertySources()
                .addFirst(
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of(
                                        "CHATROOM_AUTH_SECRET", STRONG,
                                        "CHATROOM_CLUSTER_KEY", STRONG)));

        assertThatCode(() -> both(environment).check()).doesNotThrowAnyException();
    }

    @Test
    void refusesBeforeAnyBeanIsCreated() {
        AtomicBoolean created = new AtomicBoolean();
        try (GenericApplicationContext context = new GenericApplicationContext()) {
            MockEnvironment environment = secrets(DEFAULT, DEFAULT);
            context.setEnvironment(environment);
            context.registerBean(SecretCheck.class, () -> both(environment));
            context.registerBean("store", Object.class, () -> created.getAndSet(true));

            assertThatThrownBy(context::refresh).hasMessageContaining("chatroom.auth.secret");
        }
        assertThat(created).isFalse();
    }
}
