package io.chatroom.systemtests;

import static org.awaitility.Awaitility.await;

import io.chatroom.stores.RedisBinary;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private {@code redis-server} for one cluster, with the append-only file on (as the launcher and
 * compose run it), so it can be stopped and started again on the same port without losing acked
 * data. The executable is {@link RedisBinary#path()}: the installed {@code redis-server}, else the
 * Redis 6.2 that embedded-redis bundles ({@code -Dchatroom.embedded=always} forces that one).
 */
final class RedisProcess {
    private static final Logger log = LoggerFactory.getLogger(RedisProcess.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int PROBE_TIMEOUT_MILLIS = 500;
    private static final int COMMAND_TIMEOUT_MILLIS = 5000;

    private final Path binary = RedisBinary.path();
    private final int port;
    private final Path dir;
    private final Path logFile;
    private volatile Process process;

    RedisProcess(int port) {
        this.port = port;
        this.dir =
                SystemTestPaths.targetDir()
                        .resolve("system-redis")
                        .resolve(UUID.randomUUID().toString());
        this.logFile = SystemTestPaths.logDir().resolve("redis-" + port + ".log");
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    RedisProcess start() {
        try {
            Files.createDirectories(dir);
            Files.createDirectories(logFile.getParent());
            process =
                    new ProcessBuilder(
                                    List.of(
                                            binary.toString(),
                                            "--port",
                                            Integer.toString(port),
                                            "--bind",
                                            "127.0.0.1",
                                            "--appendonly",
                                            "yes",
                                            "--appendfsync",
                                            "everysec",
                                            "--save",
                                            "",
                                            "--dir",
                                            dir.toString()))
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                            .start();
        } catch (IOException e) {
            throw new IllegalStateException("Could not start redis-server", e);
        }
        await("redis-server on " + port).atMost(TIMEOUT).until(this::answersPing);
        log.info("{} (pid {}) ready on port {}", binary, process.pid(), port);
        return this;
    }

    /** SIGTERM: Redis writes its append-only file and exits. */
    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("redis-server on port {} stopped", port);
    }

    void stopQuietly() {
        if (process != null && process.isAlive()) {
            stop();
        }
    }

    boolean answersPing() {
        try {
            return "+PONG".equals(command(PROBE_TIMEOUT_MILLIS, "PING"));
        } catch (IOException e) {
            return false;
        }
    }

    /** One command in RESP; returns the first line of the reply (e.g. {@code +OK}). */
    String command(String... args) throws IOException {
        return command(COMMAND_TIMEOUT_MILLIS, args);
    }

    private String command(int timeoutMillis, String... args) throws IOException {
        StringBuilder command = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            command.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.getOutputStream().write(command.toString().getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            BufferedReader reply =
                    new BufferedReader(
                            new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            return String.valueOf(reply.readLine());
        }
    }
}
