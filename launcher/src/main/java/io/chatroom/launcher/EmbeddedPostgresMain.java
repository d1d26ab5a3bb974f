package io.chatroom.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PostgreSQL, run in a child JVM of the launcher so that, as root, that JVM alone can
 * run in a user namespace as an unprivileged user (PostgreSQL refuses to run as root). It stops the
 * server on SIGTERM, and also when the launcher dies (its stdin closes).
 */
final class EmbeddedPostgresMain {
    static final String COMMAND = "embedded-postgres";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private EmbeddedPostgresMain() {}

    /** Arguments: data directory, directory for the unpacked binaries, port. */
    static void run(String[] args) throws IOException {
        Path dataDir = Path.of(args[1]).toAbsolutePath();
        Path binariesDir = Path.of(args[2]).toAbsolutePath();
        int port = Integer.parseInt(args[3]);
        // zonky scans this directory for stale data directories: keep ours out of it.
        System.setProperty("ot.epg.working-dir", binariesDir.toString());
        Logger log = LoggerFactory.getLogger(EmbeddedPostgresMain.class);
        EmbeddedPostgres postgres =
                EmbeddedPostgres.builder()
                        .setDataDirectory(dataDir)
                        .setCleanDataDirectory(false)
                        .setOverrideWorkingDirectory(binariesDir.toFile())
                        .setPort(port)
                        .setPGStartupWait(STARTUP_WAIT)
                        // zonky turns this off for speed; the archiver's exactly-once needs a
                        // commit to be durable before it deletes the batch from Redis.
                        .setServerConfig("synchronous_commit", "on")
                        .setServerConfig("listen_addresses", StoreResolver.LOCALHOST)
                        .start();
        log.info("Embedded PostgreSQL ready on port {} with data in {}", port, dataDir);
        // zonky's shutdown hook stops the server on SIGTERM; EOF on stdin means the launcher is
        // gone (even if it was killed with -9), so stop too.
        InputStream parent = System.in;
        while (parent.read() != -1) {
            // Nothing to read: the launcher never writes to us.
        }
        log.info("Launcher gone: stopping embedded PostgreSQL");
        postgres.close();
    }
}
