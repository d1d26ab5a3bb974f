package io.chatroom.archiver.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatroom.archiver.ArchiverIntegrationTest;
import io.chatroom.archiver.config.ChatroomProperties;
import io.chatroom.archiver.web.ApiException;
import io.chatroom.common.ChatRules;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;

class BackupIntegrationTests extends ArchiverIntegrationTest {
    @Autowired ChatroomProperties properties;
    @Autowired MeterRegistry meters;
    @TempDir Path tempDir;

    @Test
    void postWithTheClusterKeyTakesAVerifiedBackupThatIsListed() throws Exception {
        push(messages("backup-room", 1, 20));
        awaitArchived("backup-room", 20);

        HttpResponse<String> created = post(env.clusterKey());

        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode entry = json.readTree(created.body());
        String name = entry.get("name").asString();
        assertThat(name).endsWith(".dump");
        assertThat(entry.get("verified").asBoolean()).isTrue();
        assertThat(entry.get("size").asLong()).isPositive();
        Path file = BACKUP_DIR.resolve(name);
        assertThat(file).exists();
        Process list = new ProcessBuilder("pg_restore", "--list", file.toString()).start();
        String toc = new String(list.getInputStream().readAllBytes());
        assertThat(list.waitFor()).isZero();
        assertThat(toc).contains("TABLE DATA archive chat_message");
        try (Stream<Path> files = Files.list(BACKUP_DIR)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.endsWith(".partial") || n.endsWith(".log"));
        }

        JsonNode listed = json.readTree(get("/api/backups").body());
        assertThat(listed.get(0).get("name").asString()).isEqualTo(name);
        assertThat(meters.get("chatroom.backup.last.age").gauge().value()).isBetween(0.0, 600.0);
        JsonNode status = json.readTree(get("/api/archive/status").body());
        assertThat(status.get("lastBackup").get("name").asString()).isEqualTo(name);
    }

    @Test
    void postWithoutOrWithAWrongKeyIsRefused() {
        try (Stream<Path> before = list(BACKUP_DIR)) {
            long count = before.count();
            for (String key : new String[] {null, "wrong", env.clusterKey() + "x"}) {
                HttpResponse<String> response = post(key);
                assertThat(response.statusCode()).isEqualTo(401);
                assertThat(response.headers().firstValue("Content-Type"))
                        .hasValueSatisfying(v -> assertThat(v).contains("problem+json"));
            }
            assertThat(list(BACKUP_DIR).count()).isEqualTo(count);
        }
    }

    @Test
    void retentionKeepsTheNewestBackups() {
        Backups backups = backups(tempDir, 2, "pg_dump", "pg_restore");
        String first = backups.take().name();
        String second = backups.take().name();
        String third = backups.take().name();

        assertThat(backups.list()).extracting(BackupInfo::name).containsExactly(third, second);
        assertThat(tempDir.resolve(first)).doesNotExist();
    }

    @Test
    void missingPgDumpIsAReportedFailureAndTheNextRunRetries() {
        Backups backups = backups(tempDir, 2, "/nonexistent/pg_dump", "pg_restore");
        BackupHealthIndicator health = new BackupHealthIndicator(backups);

        assertThatThrownBy(backups::take)
                .isInstanceOfSatisfying(ApiException.class, BackupIntegrationTests::isUnavailable)
                .hasMessageContaining("/nonexistent/pg_dump");
        assertThat(backups.list()).isEmpty();
        assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.health(true).getDetails().get("error").toString())
                .contains("cannot run /nonexistent/pg_dump");

        Backups fixed = backups(tempDir, 2, "pg_dump", "pg_restore");
        assertThat(fixed.take().verified()).isTrue();
        assertThat(new BackupHealthIndicator(fixed).health(true).getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void aDumpThatFailsVerificationIsKeptAsFailedAndListedUnverified() {
        Backups backups = backups(tempDir, 2, "pg_dump", "false");

        assertThatThrownBy(backups::take)
                .isInstanceOfSatisfying(ApiException.class, BackupIntegrationTests::isUnavailable);

        List<BackupInfo> listed = backups.list();
        assertThat(listed).singleElement().satisfies(b -> assertThat(b.verified()).isFalse());
        assertThat(listed.get(0).name()).endsWith(".dump.failed");
    }

    @Test
    void aDeadDatabaseIsAReportedFailure() {
        Backups backups =
                new Backups(
                        withBackup(tempDir, 2, "pg_dump", "pg_restore"),
                        "jdbc:postgresql://127.0.0.1:1/nowhere",
                        "postgres",
                        "",
                        Clock.systemUTC(),
                        new SimpleMeterRegistry());
        assertThatThrownBy(backups::take)
                .isInstanceOfSatisfying(ApiException.class, BackupIntegrationTests::isUnavailable)
                .hasMessageContaining("pg_dump exited with");
        assertThat(backups.list()).isEmpty();
    }

    private Backups backups(Path dir, int keep, String pgDump, String pgRestore) {
        return new Backups(
                withBackup(dir, keep, pgDump, pgRestore),
                env.database().jdbcUrl(),
                env.database().username(),
                env.database().password(),
                Clock.systemUTC(),
                new SimpleMeterRegistry());
    }

    private ChatroomProperties withBackup(Path dir, int keep, String pgDump, String pgRestore) {
        return new ChatroomProperties(
                properties.clusterKey(),
                properties.allowedOrigins(),
                properties.redis(),
                properties.archive(),
                properties.history(),
                new ChatroomProperties.Backup(
                        dir, "-", keep, pgDump, pgRestore, Duration.ofMinutes(2)));
    }

    private HttpResponse<String> post(String key) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri("/api/backups"))
                        .POST(HttpRequest.BodyPublishers.noBody());
        if (key != null) {
            request.header(ChatRules.CLUSTER_KEY_HEADER, key);
        }
        return send(request.build());
    }

    private static Stream<Path> list(Path dir) {
        try {
            return Files.list(dir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void isUnavailable(ApiException e) {
        assertThat(e.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    }
}
