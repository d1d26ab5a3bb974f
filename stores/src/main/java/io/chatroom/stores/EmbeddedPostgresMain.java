package io.chatroom.stores;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PostgreSQL, run in a child JVM so that, as root, that JVM alone can run in a user
 * namespace as an unprivileged user (PostgreSQL refuses to run as root). It stops the server on
 * SIGTERM, and also when its parent dies (its stdin closes). The launcher runs it as {@code
 * launcher.jar embedded-postgres ...}, tests as a main class on their own class path.
 */
public final class EmbeddedPostgresMain {
    /** The launcher's sub-command that runs this class. */
    public static final String COMMAND = "embedded-postgres";

    /** Last argument: delete the data directory once the server has stopped (tests). */
    public static final String TEMPORARY = "--temporary";

    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private EmbeddedPostgresMain() {}

    /**
     * The command that runs the server: {@code java} (a JVM command line that ends by naming this
     * class or the launcher's sub-command), prefixed to run as {@code nobody} when we are root.
     * With {@code temporary} the child deletes the data directory itself once the server has
     * stopped: it alone knows when that is, and it outlives a parent that is killed.
     */
    public static List<String> command(
            List<String> java, Path dataDir, Path binariesDir, int port, boolean temporary) {
        List<String> command = new ArrayList<>(UserNamespace.prefixIfRoot());
        command.addAll(java);
        command.addAll(
                List.of(
                        dataDir.toAbsolutePath().toString(),
                        binariesDir.toAbsolutePath().toString(),
                        Integer.toString(port)));
        if (temporary) {
            command.add(TEMPORARY);
        }
        return command;
    }

    /** A JVM command line that runs this class on this JVM's own class path. */
    public static List<String> onThisClassPath() {
        return List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                EmbeddedPostgresMain.class.getName());
    }

    public static void main(String[] args) throws IOException {
        run(args);
    }

    /**
     * Arguments: data directory, directory for the unpacked binaries, port, optionally {@link
     * #TEMPORARY}. Runs until its stdin ends (the parent closed it, or died).
     */
    public static void run(String[] args) throws IOException {
        Path dataDir = Path.of(args[0]).toAbsolutePath();
        Path binariesDir = Path.of(args[1]).toAbsolutePath();
        int port = Integer.parseInt(args[2]);
        boolean temporary = args.length > 3 && TEMPORARY.equals(args[3]);
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
        // zonky's shutdown hook stops the server on SIGTERM; EOF on stdin means the parent is
        // gone (even if it was killed with -9), so stop too.
        InputStream parent = System.in;
        while (parent.read() != -1) {
            // Nothing to read: the parent never writes to us.
        }
        log.info("Parent gone: stopping embedded PostgreSQL");
        postgres.close();
        if (temporary) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            log.info("Deleted {}", dataDir);
        }
    }
}
