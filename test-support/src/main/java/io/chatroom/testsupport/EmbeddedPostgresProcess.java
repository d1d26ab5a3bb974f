package io.chatroom.testsupport;

import static org.awaitility.Awaitility.await;

import io.chatroom.stores.EmbeddedPostgresMain;
import io.chatroom.stores.StoreResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded PostgreSQL 14 for the tests of this JVM, in a child JVM ({@link
 * EmbeddedPostgresMain}, as the launcher runs it) so that as root it can run as {@code nobody} in a
 * user namespace: PostgreSQL refuses root. The child stops its server and deletes its data when its
 * stdin ends: when {@link #close()} or this JVM's exit closes it, or when this JVM is killed.
 */
final class EmbeddedPostgresProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresProcess.class);
    private static final Duration STARTUP = Duration.ofSeconds(120);
    private static final Duration STOP = Duration.ofSeconds(30);
    private static final int LOG_TAIL_LINES = 20;

    private final int port;
    private final Process process;
    private final Path dir;
    private final Thread stopAtExit;

    private EmbeddedPostgresProcess(int port, Process process, Path dir, Thread stopAtExit) {
        this.port = port;
        this.process = process;
        this.dir = dir;
        this.stopAtExit = stopAtExit;
    }

    static EmbeddedPostgresProcess start(int requestedPort) {
        int port = requestedPort == StoreResolver.ANY_FREE_PORT ? freePort() : requestedPort;
        try {
            Path dir = Files.createTempDirectory("chatroom-test-pg-");
            // Unpacked once per machine and user, not per run: it is the slow part.
            Path binaries =
                    Path.of(
                            System.getProperty("java.io.tmpdir"),
                            "chatroom-embedded-pg-" + System.getProperty("user.name"));
            Path logFile = dir.resolve("postgres.log");
            List<String> command =
                    EmbeddedPostgresMain.command(
                            EmbeddedPostgresMain.onThisClassPath(),
                            dir.resolve("data"),
                            binaries,
                            port,
                            true);
            Process process =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(logFile.toFile())
                            .start();
            Thread stopAtExit = new Thread(() -> stopAndDelete(process, dir), "embedded-pg");
            Runtime.getRuntime().addShutdownHook(stopAtExit);
            try {
                await("embedded PostgreSQL on port " + port)
                        .atMost(STARTUP)
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> !process.isAlive() || answers(port));
            } catch (ConditionTimeoutException e) {
                throw failure(logFile, "did not answer within " + STARTUP.toSeconds() + " s", e);
            }
            if (!process.isAlive()) {
                throw failure(logFile, "exited with " + process.exitValue(), null);
            }
            log.info(
                    "Embedded PostgreSQL (pid {}) on port {}, data in {}",
                    process.pid(),
                    port,
                    dir);
            return new EmbeddedPostgresProcess(port, process, dir, stopAtExit);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start embedded PostgreSQL", e);
        }
    }

    PostgresServers.Server asServer() {
        return new PostgresServers.Server(
                "jdbc:postgresql://" + StoreResolver.LOCALHOST + ":" + port + "/",
                "postgres",
                StoreResolver.DEFAULT_POSTGRES_USER,
                "");
    }

    /** Where its data and log live (gone after {@link #close()}). */
    Path directory() {
        return dir;
    }

    /** Stops the server now and deletes its data (otherwise done when the JVM exits). */
    @Override
    public void close() {
        Runtime.getRuntime().removeShutdownHook(stopAtExit);
        stopAndDelete(process, dir);
    }

    private static boolean answers(int port) {
        try (Connection c =
                DriverManager.getConnection(
                        StoreResolver.jdbcUrl(StoreResolver.LOCALHOST, port, "postgres"),
                        StoreResolver.DEFAULT_POSTGRES_USER,
                        "")) {
            return c.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    private static IllegalStateException failure(Path logFile, String what, Throwable cause) {
        List<String> tail;
        try {
            List<String> lines = Files.readAllLines(logFile);
            tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
        } catch (IOException e) {
            tail = List.of("(no log: " + e + ")");
        }
        return new IllegalStateException(
                "No PostgreSQL reachable (set DATABASE_URL or start one on 127.0.0.1:5432) and"
                        + " embedded PostgreSQL "
                        + what
                        + ". As root it runs under 'unshare --user' (util-linux 2.38+). Last lines"
                        + " of its log:\n  "
                        + String.join("\n  ", tail),
                cause);
    }

    /** Closes the child's stdin: it stops the server, deletes the data, and exits. */
    private static void stopAndDelete(Process process, Path dir) {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("Embedded PostgreSQL did not stop within {}: killing it", STOP);
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // The data directory is gone now; the log stays beside it until here.
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dir, e.toString());
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
