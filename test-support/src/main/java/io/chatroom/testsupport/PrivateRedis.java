package io.chatroom.testsupport;

import static org.awaitility.Awaitility.await;

import io.chatroom.stores.RedisBinary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis server process of one test class alone, so the test can take it away (gracefully or as a
 * crash) and bring it back on the same port without disturbing the shared test Redis. Nothing is
 * persisted. The executable is {@link RedisBinary#path()}: the installed {@code redis-server}, else
 * the one embedded-redis bundles, so these tests run on a machine with only a JDK.
 */
public final class PrivateRedis implements AutoCloseable {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final int CONNECT_TIMEOUT_MILLIS = 300;

    private final int port;
    private final List<String> extraArgs;
    private final Path binary = RedisBinary.path();
    private Process process;

    private PrivateRedis(int port, List<String> extraArgs) {
        this.port = port;
        this.extraArgs = extraArgs;
    }

    /** Starts a server on a free port. */
    public static PrivateRedis start() {
        return start(freePort());
    }

    /** Starts a server on the given port. */
    public static PrivateRedis start(int port) {
        PrivateRedis redis = new PrivateRedis(port, List.of());
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
        PrivateRedis redis =
                new PrivateRedis(
                        freePort(),
                        List.of(
                                "--replicaof",
                                "127.0.0.1",
                                Integer.toString(master.port),
                                "--dir",
                                dir.toString()));
        redis.startAgain();
        return redis;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server (again) on the same port and waits until it answers. */
    public void startAgain() {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                binary.toString(),
                                "--port",
                                Integer.toString(port),
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no"));
        command.addAll(extraArgs);
        try {
            process =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + binary, e);
        }
        await().atMost(PATIENCE).until(this::answers);
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
        await().atMost(PATIENCE).until(() -> !answers());
    }

    @Override
    public void close() {
        stop();
    }

    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
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
