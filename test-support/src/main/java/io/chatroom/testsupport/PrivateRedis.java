package io.chatroom.testsupport;

import static org.awaitility.Awaitility.await;

import io.chatroom.stores.PortProbe;
import io.chatroom.stores.RedisBinary;
import io.chatroom.stores.RedisPing;
import io.chatroom.stores.StoreResolver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis server process of one test class (or one system-test cluster) alone, so the test can take
 * it away (gracefully or as a crash) and bring it back on the same port without disturbing the
 * shared test Redis. Nothing is persisted, unless started {@link #startPersistent persistent}. The
 * executable is {@link RedisBinary#path()}: the installed {@code redis-server}, else the Redis 6.2
 * that embedded-redis bundles ({@code -Dchatroom.embedded=always} forces that one), so these tests
 * run on a machine with only a JDK.
 */
public final class PrivateRedis implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PrivateRedis.class);
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final int COMMAND_TIMEOUT_MILLIS = 5000;
    private static final List<String> IN_MEMORY = List.of("--save", "", "--appendonly", "no");

    private final int port;
    private final List<String> settings;
    private final Path workingDir;
    private final ProcessBuilder.Redirect output;
    private final Path binary = RedisBinary.path();
    private volatile Process process;

    private PrivateRedis(
            int port, List<String> settings, Path workingDir, ProcessBuilder.Redirect output) {
        this.port = port;
        this.settings = settings;
        this.workingDir = workingDir;
        this.output = output;
    }

    /** Starts a server on a free port. */
    public static PrivateRedis start() {
        return start(freePort());
    }

    /** Starts a server on the given port. */
    public static PrivateRedis start(int port) {
        PrivateRedis redis =
                new PrivateRedis(port, IN_MEMORY, null, ProcessBuilder.Redirect.DISCARD);
        redis.startAgain();
        return redis;
    }

    /**
     * Starts a server on the given port with the append-only file on (as the launcher and compose
     * run Redis), kept in {@code dataDir}, so it can be stopped and started again without losing
     * acked data; its output is appended to {@code logFile}.
     */
    public static PrivateRedis startPersistent(int port, Path dataDir, Path logFile) {
        try {
            Files.createDirectories(dataDir);
            Files.createDirectories(logFile.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Redis keeps its files in its working directory: no --dir path that it could split.
        PrivateRedis redis =
                new PrivateRedis(
                        port,
                        List.of("--save", "", "--appendonly", "yes", "--appendfsync", "everysec"),
                        dataDir,
                        ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        redis.startAgain();
        return redis;
    }

    /**
     * Starts a server on a free port that keeps nothing on disk by itself but writes a snapshot
     * ({@code dump.rdb} in {@code dataDir}) on SAVE and loads it when started again: a test can put
     * an older snapshot back and restart it, as a restore or a crash that lost writes would.
     */
    public static PrivateRedis startWithSnapshots(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PrivateRedis redis =
                new PrivateRedis(
                        freePort(),
                        List.of("--save", "", "--appendonly", "no", "--dbfilename", "dump.rdb"),
                        dataDir,
                        ProcessBuilder.Redirect.DISCARD);
        redis.startAgain();
        return redis;
    }

    /** Starts a replica of {@code master} on a free port (also when started again). */
    public static PrivateRedis startReplicaOf(PrivateRedis master) {
        Path dir;
        try {
            // A replica writes the master's snapshot to its directory: never the working one.
            dir = Files.createTempDirectory("chatroom-replica");
            dir.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> settings = new ArrayList<>(IN_MEMORY);
        settings.addAll(
                List.of(
                        "--replicaof",
                        "127.0.0.1",
                        Integer.toString(master.port),
                        "--dir",
                        dir.toString()));
        PrivateRedis redis =
                new PrivateRedis(freePort(), settings, null, ProcessBuilder.Redirect.DISCARD);
        redis.startAgain();
        return redis;
    }

    public int port() {
        return port;
    }

    /** Where a persistent server keeps its files (null for an in-memory one). */
    public Path dataDir() {
        return workingDir;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /**
     * Starts the server (again) on the same port and waits until it answers PING (a persistent one
     * refuses commands while it loads its append-only file).
     */
    public void startAgain() {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                binary.toString(),
                                "--port",
                                Integer.toString(port),
                                "--bind",
                                StoreResolver.LOCALHOST));
        command.addAll(settings);
        try {
            process =
                    new ProcessBuilder(command)
                            .directory(workingDir == null ? null : workingDir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(output)
                            .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + binary, e);
        }
        await("redis-server on " + port).atMost(PATIENCE).until(this::answersPing);
        log.info("{} (pid {}) ready on port {}", binary, process.pid(), port);
    }

    /** Whether the server is up and serving commands. */
    public boolean answersPing() {
        return RedisPing.pong(StoreResolver.LOCALHOST, port);
    }

    /** Sends one command in RESP; returns the first line of the reply (e.g. {@code +OK}). */
    public String command(String... args) throws IOException {
        StringBuilder command = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            command.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
        }
        try (Socket socket = new Socket()) {
            socket.connect(
                    new InetSocketAddress(StoreResolver.LOCALHOST, port), COMMAND_TIMEOUT_MILLIS);
            socket.setSoTimeout(COMMAND_TIMEOUT_MILLIS);
            socket.getOutputStream().write(command.toString().getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            BufferedReader reply =
                    new BufferedReader(
                            new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            return String.valueOf(reply.readLine());
        }
    }

    /** Stops the server (SIGTERM) and waits until the port is closed. */
    public void stop() {
        halt(false);
    }

    /** Kills the server (SIGKILL): every key is lost, as in a crash without persistence. */
    public void kill() {
        halt(true);
    }

    private void halt(boolean forcibly) {
        if (process == null) {
            return;
        }
        if (forcibly) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
        await().atMost(PATIENCE)
                .until(() -> !PortProbe.tcp().answers(StoreResolver.LOCALHOST, port));
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
