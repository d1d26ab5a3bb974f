package io.chatroom.launcher;

import io.chatroom.stores.EmbeddedPostgresMain;
import io.chatroom.stores.RedisBinary;
import io.chatroom.stores.RedisPing;
import io.chatroom.stores.StoreException;
import io.chatroom.stores.UserNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Starts Redis and PostgreSQL as child processes of the launcher, with their data under {@code
 * .run/} so that it survives a restart of the cluster. Redis runs with the append-only file on
 * ({@code appendfsync everysec}). PostgreSQL refuses to run as root, so as root it runs in a user
 * namespace ({@code unshare --user}) mapped to the unprivileged user {@code nobody}.
 */
final class EmbeddedStores {
    private static final Duration REDIS_STARTUP = Duration.ofSeconds(30);
    private static final Duration POSTGRES_STARTUP = Duration.ofSeconds(90);
    private static final Duration READY_POLL = Duration.ofMillis(200);
    private static final int LOG_TAIL_LINES = 15;

    private final Path runDir;
    private final JavaCommand java;

    EmbeddedStores(Path runDir, JavaCommand java) {
        this.runDir = runDir;
        this.java = java;
    }

    /** A store process the launcher started. */
    record Started(ChildProcess process, int port) {}

    Started startRedis(int requestedPort) {
        int port = FreePort.orAny(requestedPort);
        Path dataDir = runDir.resolve("redis");
        Path binary;
        try {
            Files.createDirectories(dataDir);
            binary = RedisBinary.embedded();
        } catch (IOException | StoreException e) {
            throw new LauncherException("Could not unpack the embedded Redis: " + e, e);
        }
        // Redis keeps its append-only file in its working directory: run it inside dataDir
        // rather than pass a path that Redis would split at spaces.
        List<String> command =
                List.of(
                        binary.toString(),
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        StoreResolver.LOCALHOST,
                        "--appendonly",
                        "yes",
                        "--appendfsync",
                        "everysec");
        ChildProcess redis =
                ChildProcess.startIn(
                        "redis", command, Map.of(), runDir.resolve("logs/redis.log"), dataDir);
        awaitReady(
                redis,
                REDIS_STARTUP,
                () -> RedisPing.pong(StoreResolver.LOCALHOST, port),
                "Embedded Redis did not start");
        return new Started(redis, port);
    }

    Started startPostgres(int requestedPort) {
        int port = FreePort.orAny(requestedPort);
        boolean root = UserNamespace.isRoot();
        List<String> command =
                EmbeddedPostgresMain.command(
                        List.of(
                                java.java().toString(),
                                "-jar",
                                java.launcherJar().toString(),
                                EmbeddedPostgresMain.COMMAND),
                        runDir.resolve("postgres"),
                        runDir.resolve("embedded-pg"),
                        port,
                        false);
        ChildProcess postgres =
                ChildProcess.start(
                        "postgres", command, Map.of(), runDir.resolve("logs/postgres.log"));
        String hint =
                root
                        ? "Embedded PostgreSQL did not start. PostgreSQL refuses to run as root, so"
                                + " the launcher ran it with 'unshare --user --map-user=nobody'"
                                + " (util-linux 2.38+, user namespaces enabled). Options: install"
                                + " PostgreSQL and let it listen on 127.0.0.1:5432 (user postgres),"
                                + " set DATABASE_URL=jdbc:postgresql://host:5432/chatroom, or run"
                                + " ./chatroom as a normal user."
                        : "Embedded PostgreSQL did not start. Options: install PostgreSQL on"
                                + " 127.0.0.1:5432 (user postgres) or set DATABASE_URL.";
        awaitReady(postgres, POSTGRES_STARTUP, () -> databaseReady(port), hint);
        return new Started(postgres, port);
    }

    private static boolean databaseReady(int port) {
        try {
            PostgresAdmin.ensureDatabase(
                    StoreResolver.LOCALHOST,
                    port,
                    StoreResolver.DEFAULT_POSTGRES_USER,
                    "",
                    StoreResolver.DATABASE);
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private static void awaitReady(
            ChildProcess process, Duration timeout, BooleanSupplier ready, String failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.alive() || System.nanoTime() > deadline) {
                process.requestStop();
                process.awaitStop(System.nanoTime());
                throw new LauncherException(
                        failure
                                + "\nLast lines of "
                                + process.log()
                                + ":\n  "
                                + String.join("\n  ", process.tail(LOG_TAIL_LINES)));
            }
            try {
                TimeUnit.MILLISECONDS.sleep(READY_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("Interrupted while starting " + process.name());
            }
        }
    }
}
