package io.chatroom.archiver.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.archiver.ArchiverIntegrationTest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The restore drill of docs/operations.md, automated: backup, restore elsewhere, compare. */
class RestoreDrillIntegrationTests extends ArchiverIntegrationTest {
    private static final String FINGERPRINT =
            "select count(*) as rows, md5(coalesce(string_agg(room || '|' || seq || '|' || id ||"
                    + " '|' || sender || '|' || text || '|' || sent_at::text, E'\\n' order by"
                    + " room, seq), '')) as checksum from archive.chat_message";

    @Autowired Backups backups;

    @Test
    void aBackupRestoresIntoAFreshDatabaseWithIdenticalRows() throws Exception {
        push(messages("drill-a", 1, 300));
        push(messages("drill-b", 1, 45));
        awaitArchived("drill-", 345);
        Map<String, Object> original = jdbc.queryForMap(FINGERPRINT);

        BackupInfo backup = backups.take();
        String url = env.database().jdbcUrl();
        String server = url.substring(0, url.lastIndexOf('/') + 1);
        String restored =
                "chatroom_drill_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(url, "create database " + restored);
        try {
            DatabaseTarget target = DatabaseTarget.fromJdbcUrl(server + restored);
            Process restore =
                    new ProcessBuilder(
                                    "pg_restore",
                                    "--no-owner",
                                    "--exit-on-error",
                                    "--host=" + target.host(),
                                    "--port=" + target.port(),
                                    "--username=" + env.database().username(),
                                    "--dbname=" + restored,
                                    BACKUP_DIR.resolve(backup.name()).toString())
                            .redirectErrorStream(true)
                            .start();
            String output = new String(restore.getInputStream().readAllBytes());
            assertThat(restore.waitFor()).as(output).isZero();

            try (Connection c =
                            DriverManager.getConnection(
                                    server + restored,
                                    env.database().username(),
                                    env.database().password());
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(FINGERPRINT)) {
                rs.next();
                assertThat(rs.getLong("rows"))
                        .isEqualTo(((Number) original.get("rows")).longValue());
                assertThat(rs.getString("checksum")).isEqualTo(original.get("checksum"));
            }
        } finally {
            execute(url, "drop database if exists " + restored + " with (force)");
        }
        assertThat(Path.of(BACKUP_DIR.toString(), backup.name())).exists();
    }

    private void execute(String url, String sql) throws Exception {
        try (Connection c =
                        DriverManager.getConnection(
                                url, env.database().username(), env.database().password());
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
