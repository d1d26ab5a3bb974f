package io.chatroom.coordinator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.util.unit.DataSize;

/**
 * application.yaml's defaults bind to {@link ChatroomProperties}, and the environment variables
 * docs/operations.md names override them.
 */
class ChatroomPropertiesBindingTests {

    @Test
    void defaultsComeFromApplicationYaml() throws IOException {
        ChatroomProperties p = bind(Map.of());
        assertThat(p.redis().keyPrefix()).isEqualTo("chatroom");
        assertThat(p.archiverUrl()).isEqualTo("http://localhost:8090");
        assertThat(p.auth().tokenTtl()).isEqualTo(Duration.ofHours(8));
        assertThat(p.auth().clockSkew()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.auth().epochCheckInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.auth().revocationCleanupInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(p.auth().throttle().window()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.auth().throttle().maxFailuresPerUsernameAndAddress()).isEqualTo(5);
        assertThat(p.auth().throttle().maxFailuresPerAddress()).isEqualTo(20);
        assertThat(p.auth().throttle().registrationWindow()).isEqualTo(Duration.ofMinutes(10));
        assertThat(p.auth().throttle().maxRegistrationsPerAddress()).isEqualTo(30);
        assertThat(p.registry().ttl()).isEqualTo(Duration.ofSeconds(6));
        assertThat(p.http().maxBodySize()).isEqualTo(DataSize.ofKilobytes(16));
        assertThat(p.http().trustedProxies()).isEmpty();
        // The built-in secrets are development values, refused outside dev/local.
        assertThat(p.auth().secret()).startsWith("dev-only-");
        assertThat(p.clusterKey()).startsWith("dev-only-");
    }

    @Test
    void environmentVariablesOverrideTheDefaults() throws IOException {
        ChatroomProperties p =
                bind(
                        Map.of(
                                "CHATROOM_AUTH_TOKEN_TTL", "2h",
                                "CHATROOM_AUTH_THROTTLE_MAX_FAILURES_PER_USERNAME_AND_ADDRESS", "3",
                                "CHATROOM_AUTH_THROTTLE_MAX_REGISTRATIONS_PER_ADDRESS", "0",
                                "CHATROOM_HTTP_TRUSTED_PROXIES", "10.0.0.0/8,192.0.2.1",
                                "CHATROOM_REGISTRY_TTL", "10s",
                                "CHATROOM_HTTP_MAX_BODY_SIZE", "32KB",
                                "CHATROOM_REDIS_KEY_PREFIX", "blue",
                                "CHATROOM_ARCHIVER_URL", "https://history.example.org",
                                "CHATROOM_CLUSTER_KEY", "k".repeat(40)));
        assertThat(p.auth().tokenTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(p.auth().throttle().maxFailuresPerUsernameAndAddress()).isEqualTo(3);
        assertThat(p.auth().throttle().maxRegistrationsPerAddress()).isZero();
        assertThat(p.http().trustedProxies()).containsExactly("10.0.0.0/8", "192.0.2.1");
        assertThat(p.auth().throttle().maxFailuresPerAddress()).isEqualTo(20);
        assertThat(p.registry().ttl()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.http().maxBodySize()).isEqualTo(DataSize.ofKilobytes(32));
        assertThat(p.redis().keyPrefix()).isEqualTo("blue");
        assertThat(p.archiverUrl()).isEqualTo("https://history.example.org");
        assertThat(p.clusterKey()).isEqualTo("k".repeat(40));
    }

    private static ChatroomProperties bind(Map<String, Object> environmentVariables)
            throws IOException {
        MutablePropertySources sources = new MutablePropertySources();
        sources.addFirst(
                new SystemEnvironmentPropertySource(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        environmentVariables));
        new YamlPropertySourceLoader()
                .load("application.yaml", new ClassPathResource("application.yaml"))
                .forEach(sources::addLast);
        return new Binder(ConfigurationPropertySources.from(sources))
                .bind("chatroom", ChatroomProperties.class)
                .get();
    }
}
