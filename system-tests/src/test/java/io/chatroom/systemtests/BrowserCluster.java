package io.chatroom.systemtests;

import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatServerInfo;
import io.chatroom.common.RedisKeys;
import io.chatroom.testsupport.TestInfra;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The cluster a browser talks to: one coordinator (which serves the web UI), two chat-apps and an
 * archiver as OS processes, configured like production, with every app allowing the coordinator's
 * own origin ({@code http://127.0.0.1:<port>}, the page's origin) for WebSocket and CORS.
 */
final class BrowserCluster implements AutoCloseable {
    static final int CHAT_APPS = 2;
    private static final Logger log = LoggerFactory.getLogger(BrowserCluster.class);
    private static final Duration REGISTRY_TIMEOUT = Duration.ofSeconds(90);
    // Four JVMs starting at once on a loaded 2-core machine have taken over 5 minutes.
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration READY_POLL = Duration.ofSeconds(1);
    private static final int START_ATTEMPTS = 3;
    private static final String REDIS_TIMEOUT = "10s";
    // The contract's minimum: a page away for longer than 1,000 messages must fill from the
    // archive.
    static final int WINDOW_SIZE = 1000;
    private static final Duration LEASE_HOLD = Duration.ofMinutes(10);
    private static final int REDIS_IO_TIMEOUT_MILLIS = 5000;

    private final RedisProcess redis;
    private final RedisKeys keys;
    private final AppProcess coordinator;
    private final List<AppProcess> chatApps = new ArrayList<>();
    private final AppProcess archiver;

    private BrowserCluster() {
        TestInfra.Env env = TestInfra.newEnv();
        String keyPrefix = "web" + UUID.randomUUID().toString().substring(0, 8);
        keys = new RedisKeys(keyPrefix);
        redis = new RedisProcess(Cluster.freePort()).start();
        int coordinatorPort = Cluster.freePort();
        int archiverPort = Cluster.freePort();
        String coordinatorUrl = "http://127.0.0.1:" + coordinatorPort;
        String runDir = SystemTestPaths.targetDir().resolve("browser-run-" + keyPrefix).toString();
        List<String> common =
                List.of(
                        "--spring.data.redis.url=" + redis.url(),
                        "--spring.datasource.url=" + env.database().jdbcUrl(),
                        "--spring.datasource.username=" + env.database().username(),
                        "--spring.datasource.password=" + env.database().password(),
                        "--chatroom.redis.key-prefix=" + keyPrefix,
                        "--chatroom.auth.secret=" + env.authSecret(),
                        "--chatroom.cluster-key=" + env.clusterKey(),
                        // The page is loaded from the coordinator under either host name; the
                        // STOMP test clients (ChatClient) send Cluster's origin.
                        "--chatroom.allowed-origins="
                                + coordinatorUrl
                                + ",http://localhost:"
                                + coordinatorPort
                                + ","
                                + Cluster.ALLOWED_ORIGIN,
                        "--chatroom.coordinator.urls=" + coordinatorUrl,
                        "--chatroom.archiver-url=http://127.0.0.1:" + archiverPort,
                        "--chatroom.backup.dir=" + runDir + "/backups",
                        // Generous for a loaded machine: a start-up timeout is not under test.
                        "--spring.data.redis.timeout=" + REDIS_TIMEOUT,
                        "--spring.data.redis.connect-timeout=" + REDIS_TIMEOUT,
                        "--logging.level.root=INFO");
        coordinator =
                new AppProcess(
                        "web-coordinator",
                        SystemTestPaths.jar("coordinator-app"),
                        coordinatorPort,
                        common);
        for (int i = 1; i <= CHAT_APPS; i++) {
            int port = Cluster.freePort();
            List<String> args = new ArrayList<>(common);
            args.add("--chatroom.server-id=chat-" + i);
            args.add("--chatroom.public-url=http://127.0.0.1:" + port);
            args.add("--chatroom.window-size=" + WINDOW_SIZE);
            chatApps.add(
                    new AppProcess("web-chat-" + i, SystemTestPaths.jar("chat-app"), port, args));
        }
        archiver =
                new AppProcess(
                        "web-archiver", SystemTestPaths.jar("archiver-app"), archiverPort, common);
    }

    /** Starts everything and waits until both chat servers are listed by the coordinator. */
    static BrowserCluster start() {
        BrowserCluster cluster = new BrowserCluster();
        try {
            cluster.all().forEach(AppProcess::start);
            awaitReady(cluster.all());
            cluster.awaitLive(CHAT_APPS);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        log.info("Browser cluster is up, UI at {}", cluster.uiUrl());
        return cluster;
    }

    private List<AppProcess> all() {
        List<AppProcess> all = new ArrayList<>();
        all.add(coordinator);
        all.addAll(chatApps);
        all.add(archiver);
        return all;
    }

    String coordinatorUrl() {
        return coordinator.baseUrl();
    }

    /** The chat page; its origin is the one every app allows. */
    String uiUrl() {
        return coordinator.baseUrl() + "/";
    }

    String dashboardUrl() {
        return coordinator.baseUrl() + "/dashboard.html";
    }

    /** The chat-app process whose server id is {@code id} ({@code chat-1}, {@code chat-2}). */
    AppProcess chat(String id) {
        return chatApps.stream()
                .filter(app -> app.name().equals("web-" + id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No chat-app " + id));
    }

    /**
     * Waits until every app answers its readiness probe, restarting one that died while starting
     * (as an orchestrator would) up to {@link #START_ATTEMPTS} times.
     */
    private static void awaitReady(List<AppProcess> apps) {
        Map<AppProcess, Integer> attempts = new HashMap<>();
        List<AppProcess> waiting = new ArrayList<>(apps);
        await("ready: " + apps.stream().map(AppProcess::name).toList())
                .atMost(READY_TIMEOUT)
                .pollInterval(READY_POLL)
                .until(
                        () -> {
                            for (AppProcess app : waiting) {
                                if (!app.isAlive()) {
                                    int attempt = attempts.merge(app, 1, Integer::sum);
                                    if (attempt >= START_ATTEMPTS) {
                                        throw new IllegalStateException(
                                                app.name() + " keeps dying:\n" + app.logTail());
                                    }
                                    log.warn("{} died while starting, restarting", app.name());
                                    app.start();
                                }
                            }
                            waiting.removeIf(AppProcess::isReady);
                            return waiting.isEmpty();
                        });
    }

    /** {@code GET /api/servers}: server id to its reported connection count. */
    Map<String, Integer> connectionsByServer() {
        try {
            Rest.Response response = Rest.get(coordinator.baseUrl() + "/api/servers", Map.of());
            if (response.status() != 200) {
                throw new IllegalStateException("GET /api/servers answered " + response.status());
            }
            Map<String, Integer> connections = new HashMap<>();
            for (JsonNode server : response.json()) {
                JsonNode count = server.get("connections");
                connections.put(server.get("id").asString(), count == null ? 0 : count.asInt());
            }
            return connections;
        } catch (IOException e) {
            throw new IllegalStateException("The coordinator did not answer", e);
        }
    }

    /** A live chat server as {@code GET /api/servers} lists it, for a client to connect to. */
    ChatServerInfo chatServerInfo(String id) {
        try {
            Rest.Response response = Rest.get(coordinator.baseUrl() + "/api/servers", Map.of());
            for (JsonNode server : response.json()) {
                if (server.get("id").asString().equals(id)) {
                    return new ChatServerInfo(
                            id, server.get("httpUrl").asString(), server.get("wsUrl").asString());
                }
            }
            throw new IllegalStateException(id + " is not listed: " + response);
        } catch (IOException e) {
            throw new IllegalStateException("The coordinator did not answer", e);
        }
    }

    /** {@code GET /api/chat-server?exclude=<id>} with the user's token: another live server. */
    JsonNode otherChatServer(String token, String excludeId) {
        try {
            Rest.Response response =
                    Rest.get(
                            coordinator.baseUrl() + "/api/chat-server?exclude=" + excludeId,
                            Map.of("Authorization", "Bearer " + token));
            if (response.status() != 200) {
                throw new IllegalStateException(
                        "GET /api/chat-server?exclude=" + excludeId + " answered " + response);
            }
            return response.json();
        } catch (IOException e) {
            throw new IllegalStateException("The coordinator did not answer", e);
        }
    }

    /**
     * Makes the archiver lag behind the room: holds its drain lease of the room's archive shard (as
     * a stalled second archiver would), so the room's new messages stay queued in Redis and the
     * history API does not have them. Closing gives the lease back; the archiver then drains.
     */
    AutoCloseable holdArchiveLease(String room) throws IOException {
        String lease = keys.archiveLease(RedisKeys.shardOf(room));
        String reply =
                redisCommand(
                        "SET", lease, "held-by-test", "PX", Long.toString(LEASE_HOLD.toMillis()));
        if (!reply.equals("+OK")) {
            throw new IllegalStateException("SET " + lease + " answered " + reply);
        }
        log.info("Holding the archive lease {} of room {}", lease, room);
        return () -> {
            redisCommand("DEL", lease);
            log.info("Released the archive lease {}", lease);
        };
    }

    /** One command to the cluster's Redis in RESP; returns the first line of the reply. */
    private String redisCommand(String... args) throws IOException {
        StringBuilder command = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            command.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
        }
        URI uri = URI.create(redis.url());
        try (Socket socket = new Socket()) {
            socket.connect(
                    new InetSocketAddress(uri.getHost(), uri.getPort()), REDIS_IO_TIMEOUT_MILLIS);
            socket.setSoTimeout(REDIS_IO_TIMEOUT_MILLIS);
            socket.getOutputStream().write(command.toString().getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            BufferedReader reply =
                    new BufferedReader(
                            new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            return String.valueOf(reply.readLine());
        }
    }

    void awaitLive(int servers) {
        await(servers + " chat servers listed")
                .atMost(REGISTRY_TIMEOUT)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> connectionsByServer().size() == servers);
    }

    @Override
    public void close() {
        all().forEach(AppProcess::stopQuietly);
        redis.stopQuietly();
    }
}
