package io.chatroom.testsupport;

import io.chatroom.stores.RedisPlan;
import io.chatroom.stores.StoreResolver;
import io.chatroom.stores.StoreSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * The Redis for tests as {@link TestInfra#stores()} finds it, or an embedded one (once per JVM).
 */
final class RedisServers {
    private static final Logger log = LoggerFactory.getLogger(RedisServers.class);
    private static String url;

    private RedisServers() {}

    static synchronized String url() {
        if (url != null) {
            return url;
        }
        RedisPlan plan = TestInfra.stores().redis();
        url =
                plan.source() == StoreSource.EMBEDDED
                        ? startEmbedded(plan.embeddedPort())
                        : plan.url();
        log.info("Tests use Redis at {} ({})", url, plan.source().label());
        return url;
    }

    private static String startEmbedded(int requestedPort) {
        try {
            int port = requestedPort;
            if (port == StoreResolver.ANY_FREE_PORT) {
                try (ServerSocket socket = new ServerSocket(0)) {
                    port = socket.getLocalPort();
                }
            }
            RedisServer server =
                    RedisServer.newRedisServer()
                            .port(port)
                            .setting("bind " + StoreResolver.LOCALHOST)
                            .setting("save \"\"")
                            .setting("appendonly no")
                            .build();
            server.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stopQuietly(server)));
            return "redis://" + StoreResolver.LOCALHOST + ":" + port;
        } catch (IOException e) {
            throw new IllegalStateException("No Redis reachable and embedded Redis failed", e);
        }
    }

    private static void stopQuietly(RedisServer server) {
        try {
            server.stop();
        } catch (IOException e) {
            log.warn("Embedded Redis did not stop cleanly", e);
        }
    }

    /** Deletes every key of a test run's prefix when the JVM exits. */
    static void deleteOnExit(String redisUrl, String prefix) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteKeys(redisUrl, prefix + ":*")));
    }

    /**
     * A few lines of RESP instead of a client library: test-support must not pin a Redis client
     * version on the apps.
     */
    static void deleteKeys(String redisUrl, String pattern) {
        URI uri = URI.create(redisUrl);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort() == -1 ? 6379 : uri.getPort());
                OutputStream out = socket.getOutputStream();
                BufferedReader in =
                        new BufferedReader(
                                new InputStreamReader(
                                        socket.getInputStream(), StandardCharsets.UTF_8))) {
            String cursor = "0";
            do {
                send(out, "SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
                in.readLine(); // *2
                in.readLine(); // $len of cursor
                cursor = in.readLine();
                int count = Integer.parseInt(in.readLine().substring(1));
                List<String> keys = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    in.readLine();
                    keys.add(in.readLine());
                }
                if (!keys.isEmpty()) {
                    List<String> command = new ArrayList<>();
                    command.add("UNLINK");
                    command.addAll(keys);
                    send(out, command.toArray(String[]::new));
                    in.readLine();
                }
            } while (!"0".equals(cursor));
        } catch (IOException | RuntimeException e) {
            log.warn("Could not clean test keys {}: {}", pattern, e.toString());
        }
    }

    private static void send(OutputStream out, String... args) throws IOException {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            sb.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
        }
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
