package io.chatroom.archiver.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
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

/**
 * application.yaml's defaults bind to {@link ChatroomProperties}, and the environment variables
 * docs/operations.md names override them.
 */
class ChatroomPropertiesBindingTests {

    @Test
    void defaultsComeFromApplicationYaml() throws IOException {
        ChatroomProperties p = bind(Map.of());
        assertThat(p.clusterKey()).startsWith("dev-only-");
        assertThat(p.allowedOrigins())
                .containsExactly("http://localhost:8080", "http://127.0.0.1:8080");
        assertThat(p.redis().keyPrefix()).isEqualTo("chatroom");
        assertThat(p.archive().enabled()).isTrue();
        assertThat(p.archive().batchSize()).isEqualTo(500);
        assertThat(p.archive().workers()).isEqualTo(2);
        assertThat(p.archive().batchesPerTurn()).isEqualTo(20);
        assertThat(p.archive().leaseTtl()).isEqualTo(Duration.ofSeconds(15));
        assertThat(p.archive().pollInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(p.archive().linger()).isEqualTo(Duration.ofMillis(200));
        assertThat(p.archive().errorBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.history().defaultLimit()).isEqualTo(50);
        assertThat(p.history().maxLimit()).isEqualTo(200);
        assertThat(p.history().roomsLimit()).isEqualTo(200);
        assertThat(p.backup().dir().normalize()).isEqualTo(Path.of("backups"));
        assertThat(p.backup().cron()).isEqualTo("0 0 * * * *");
        assertThat(p.backup().keep()).isEqualTo(24);
        assertThat(p.backup().pgDump()).isEqualTo("pg_dump");
        assertThat(p.backup().pgRestore()).isEqualTo("pg_restore");
        assertThat(p.backup().timeout()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void environmentVariablesOverrideTheDefaults() throws IOException {
        ChatroomProperties p =
                bind(
                        Map.of(
                                "CHATROOM_ALLOWED_ORIGINS",
                                        "http://localhost:8080,http://localhost:8083",
                                "CHATROOM_ARCHIVE_BATCH_SIZE", "100",
                                "CHATROOM_ARCHIVE_LEASE_TTL", "30s",
                                "CHATROOM_HISTORY_MAX_LIMIT", "500",
                                "CHATROOM_BACKUP_DIR", "/var/lib/chatroom/backups",
                                "CHATROOM_BACKUP_CRON", "-",
                                "CHATROOM_BACKUP_PG_DUMP", "/usr/lib/postgresql/15/bin/pg_dump"));
        assertThat(p.allowedOrigins())
                .containsExactly("http://localhost:8080", "http://localhost:8083");
        assertThat(p.archive().batchSize()).isEqualTo(100);
        assertThat(p.archive().workers()).isEqualTo(2);
        assertThat(p.archive().leaseTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.history().maxLimit()).isEqualTo(500);
        assertThat(p.backup().dir()).isEqualTo(Path.of("/var/lib/chatroom/backups"));
        assertThat(p.backup().cron()).isEqualTo("-");
        assertThat(p.backup().pgDump()).isEqualTo("/usr/lib/postgresql/15/bin/pg_dump");
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
