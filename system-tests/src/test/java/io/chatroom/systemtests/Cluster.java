package io.chatroom.systemtests;

import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatServerInfo;
import io.chatroom.common.RedisKeys;
import io.chatroom.testsupport.PrivateRedis;
import io.chatroom.testsupport.TestInfra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * A whole cluster as OS processes: a private redis-server, a fresh PostgreSQL database, N
 * coordinators, M chat-apps and one archiver, configured like production (no dev profile, strong
 * random secrets, a private key prefix). The fault tests and the browser tests start theirs here.
 */
final class Cluster implements AutoCloseable {
    static final String ALLOWED_ORIGIN = "http://localhost:8080";
    private static final Logger log = LoggerFactory.getLogger(Cluster.class);
    private static final Duration REGISTRY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration LEASE_HOLD = Duration.ofMinutes(10);

    /**
     * Every client of a run registers from 127.0.0.1: about 130 users in the fault scenarios
     * (fleets, the reconnect storm's owners, the bench smoke run), beyond the production default of
     * 30 per address and 10 minutes. Failed-login limits stay at their defaults.
     */
    private static final int MAX_REGISTRATIONS_PER_ADDRESS = 1000;

    /**
     * How many of each app, the per-user send limit of the chat-apps (0 = off), and what the web
     * UI's tests add.
     *
     * @param servesPage the page is loaded from a coordinator: every app also allows its origin
     *     ({@code http://127.0.0.1:<port>} and {@code http://localhost:<port>}) for WebSocket and
     *     CORS, and the coordinators tell the page where the archiver is
     * @param appArgs more settings for every app
     * @param chatAppArgs more settings for the chat-apps
     * @param chatAppEnv extra environment variables of some chat-apps, by name ({@code chat-1},
     *     ...)
     */
    record Options(
            int coordinators,
            int chatApps,
            int rateLimitPerSecond,
            int rateLimitBurst,
            boolean servesPage,
            List<String> appArgs,
            List<String> chatAppArgs,
            Map<String, Map<String, String>> chatAppEnv) {
        Options {
            appArgs = List.copyOf(appArgs);
            chatAppArgs = List.copyOf(chatAppArgs);
            chatAppEnv = Map.copyOf(chatAppEnv);
        }

        /** Options with no extra environment for any chat-app. */
        Options(
                int coordinators,
                int chatApps,
                int rateLimitPerSecond,
                int rateLimitBurst,
                boolean servesPage,
                List<String> appArgs,
                List<String> chatAppArgs) {
            this(
                    coordinators,
                    chatApps,
                    rateLimitPerSecond,
                    rateLimitBurst,
                    servesPage,
                    appArgs,
                    chatAppArgs,
                    Map.of());
        }

        /** A cluster for clients other than the page, with no extra settings. */
        Options(int coordinators, int chatApps, int rateLimitPerSecond, int rateLimitBurst) {
            this(
                    coordinators,
                    chatApps,
                    rateLimitPerSecond,
                    rateLimitBurst,
                    false,
                    List.of(),
                    List.of());
        }
    }

    /**
     * Where each app runs. {@code args} are the settings of an app on the host (stores and
     * coordinators on 127.0.0.1); a placement may start it elsewhere and rewrite them.
     */
    interface Placement {
        Placement HOST = AppProcess::new;

        AppProcess place(String name, Path jar, int port, List<String> args);
    }

    private final TestInfra.Env env;
    private final PrivateRedis redis;
    private final List<AppProcess> coordinators = new ArrayList<>();
    private final List<AppProcess> chatApps = new ArrayList<>();
    private final AppProcess archiver;
    private final String keyPrefix = "sys" + UUID.randomUUID().toString().substring(0, 8);

    private Cluster(Options options, Placement placement) {
        env = TestInfra.newEnv();
        int redisPort = freePort();
        redis =
                PrivateRedis.startPersistent(
                        redisPort,
                        SystemTestPaths.targetDir()
                                .resolve("system-redis")
                                .resolve(UUID.randomUUID().toString()),
                        SystemTestPaths.logDir().resolve("redis-" + redisPort + ".log"));
        List<Integer> coordinatorPorts = new ArrayList<>();
        for (int i = 0; i < options.coordinators(); i++) {
            coordinatorPorts.add(freePort());
        }
        String coordinatorUrls =
                String.join(
                        ",", coordinatorPorts.stream().map(p -> "http://127.0.0.1:" + p).toList());
        int archiverPort = freePort();
        // The STOMP test clients (ChatClient, RawWebSocket) send ALLOWED_ORIGIN.
        List<String> origins = new ArrayList<>(List.of(ALLOWED_ORIGIN));
        if (options.servesPage()) {
            // The page is loaded from a coordinator under either host name.
            for (int port : coordinatorPorts) {
                origins.add("http://127.0.0.1:" + port);
                origins.add("http://localhost:" + port);
            }
        }
        String runDir = SystemTestPaths.targetDir().resolve("system-run-" + keyPrefix).toString();
        List<String> common =
                new ArrayList<>(
                        List.of(
                                "--spring.data.redis.url=" + redis.url(),
                                "--spring.datasource.url=" + env.database().jdbcUrl(),
                                "--spring.datasource.username=" + env.database().username(),
                                "--spring.datasource.password=" + env.database().password(),
                                "--chatroom.redis.key-prefix=" + keyPrefix,
                                "--chatroom.auth.secret=" + env.authSecret(),
                                "--chatroom.cluster-key=" + env.clusterKey(),
                                "--chatroom.allowed-origins=" + String.join(",", origins),
                                "--chatroom.coordinator.urls=" + coordinatorUrls,
                                "--chatroom.rate-limit.messages-per-second="
                                        + options.rateLimitPerSecond(),
                                "--chatroom.rate-limit.burst=" + options.rateLimitBurst(),
                                "--chatroom.backup.dir=" + runDir + "/backups",
                                "--logging.level.root=INFO"));
        common.addAll(options.appArgs());
        List<String> coordinatorArgs = new ArrayList<>(common);
        coordinatorArgs.add(
                "--chatroom.auth.throttle.max-registrations-per-address="
                        + MAX_REGISTRATIONS_PER_ADDRESS);
        if (options.servesPage()) {
            coordinatorArgs.add("--chatroom.archiver-url=http://127.0.0.1:" + archiverPort);
        }
        for (int i = 0; i < options.coordinators(); i++) {
            coordinators.add(
                    placement.place(
                            "coordinator-" + (i + 1),
                            SystemTestPaths.jar("coordinator-app"),
                            coordinatorPorts.get(i),
                            coordinatorArgs));
        }
        for (int i = 0; i < options.chatApps(); i++) {
            int port = freePort();
            List<String> args = new ArrayList<>(common);
            args.add("--chatroom.server-id=chat-" + (i + 1));
            args.add("--chatroom.public-url=http://127.0.0.1:" + port);
            args.addAll(options.chatAppArgs());
            String name = "chat-" + (i + 1);
            chatApps.add(
                    placement
                            .place(name, SystemTestPaths.jar("chat-app"), port, args)
                            .environment(options.chatAppEnv().getOrDefault(name, Map.of())));
        }
        archiver =
                placement.place(
                        "archiver", SystemTestPaths.jar("archiver-app"), archiverPort, common);
    }

    /** Starts everything and waits until every chat-app is listed by every coordinator. */
    static Cluster start(Options options) {
        return start(options, Placement.HOST);
    }

    /** {@link #start(Options)} with each app where {@code placement} puts it. */
    static Cluster start(Options options, Placement placement) {
        Cluster cluster = new Cluster(options, placement);
        try {
            // Two waves: fewer JVMs warming up at once on 2 cores, and the chat-apps find their
            // coordinators up.
            List<AppProcess> first = new ArrayList<>(cluster.coordinators);
            first.add(cluster.archiver);
            first.forEach(AppProcess::start);
            AppProcess.awaitAllReady(first);
            cluster.chatApps.forEach(AppProcess::start);
            AppProcess.awaitAllReady(cluster.chatApps);
            cluster.awaitRegistered(cluster.chatIds());
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        log.info("Cluster {} is up", cluster.keyPrefix);
        return cluster;
    }

    private List<AppProcess> all() {
        List<AppProcess> all = new ArrayList<>(coordinators);
        all.addAll(chatApps);
        all.add(archiver);
        return all;
    }

    TestInfra.Env env() {
        return env;
    }

    /** The Redis key prefix of this cluster's apps. */
    String keyPrefix() {
        return keyPrefix;
    }

    PrivateRedis redis() {
        return redis;
    }

    List<AppProcess> coordinators() {
        return coordinators;
    }

    List<String> coordinatorUrls() {
        return coordinators.stream().map(AppProcess::baseUrl).toList();
    }

    List<AppProcess> chatApps() {
        return chatApps;
    }

    AppProcess chat(String id) {
        return chatApps.stream()
                .filter(a -> a.name().equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No chat-app " + id));
    }

    Set<String> chatIds() {
        Set<String> ids = new HashSet<>();
        chatApps.forEach(a -> ids.add(a.name()));
        return ids;
    }

    AppProcess archiver() {
        return archiver;
    }

    /** The ids in {@code GET /api/servers} of the first coordinator that answers. */
    Set<String> liveServerIds() {
        Set<String> ids = new HashSet<>();
        for (JsonNode server : liveServers()) {
            ids.add(server.get("id").asString());
        }
        return ids;
    }

    List<JsonNode> liveServers() {
        for (AppProcess coordinator : coordinators) {
            if (!coordinator.isAlive()) {
                continue;
            }
            try {
                Rest.Response response = Rest.get(coordinator.baseUrl() + "/api/servers", Map.of());
                if (response.status() == 200) {
                    List<JsonNode> servers = new ArrayList<>();
                    response.json().forEach(servers::add);
                    return servers;
                }
            } catch (IOException e) {
                log.debug("{} did not answer: {}", coordinator.name(), e.toString());
            }
        }
        throw new IllegalStateException("No coordinator answers GET /api/servers");
    }

    /** A live chat server as {@code GET /api/servers} lists it, for a client to connect to. */
    ChatServerInfo chatServerInfo(String id) {
        return liveServers().stream()
                .filter(s -> s.get("id").asString().equals(id))
                .map(
                        s ->
                                new ChatServerInfo(
                                        id, s.get("httpUrl").asString(), s.get("wsUrl").asString()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(id + " is not listed"));
    }

    /** {@code GET /api/servers}: server id to its reported connection count. */
    Map<String, Integer> connectionsByServer() {
        Map<String, Integer> connections = new HashMap<>();
        for (JsonNode server : liveServers()) {
            JsonNode count = server.get("connections");
            connections.put(server.get("id").asString(), count == null ? 0 : count.asInt());
        }
        return connections;
    }

    /**
     * {@code GET /api/chat-server?exclude=<id>} on the first coordinator with the user's token:
     * another live server, as a client failing over is told.
     */
    ChatServerInfo otherChatServer(String token, String excludeId) {
        try {
            Rest.Response response =
                    Rest.get(
                            coordinatorUrls().get(0) + "/api/chat-server?exclude=" + excludeId,
                            Map.of("Authorization", "Bearer " + token));
            if (response.status() != 200) {
                throw new IllegalStateException(
                        "GET /api/chat-server?exclude=" + excludeId + " answered " + response);
            }
            JsonNode server = response.json();
            return new ChatServerInfo(
                    server.get("id").asString(),
                    server.get("httpUrl").asString(),
                    server.get("wsUrl").asString());
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
        String lease = new RedisKeys(keyPrefix).archiveLease(RedisKeys.shardOf(room));
        String reply =
                redis.command(
                        "SET", lease, "held-by-test", "PX", Long.toString(LEASE_HOLD.toMillis()));
        if (!reply.equals("+OK")) {
            throw new IllegalStateException("SET " + lease + " answered " + reply);
        }
        log.info("Holding the archive lease {} of room {}", lease, room);
        return () -> {
            redis.command("DEL", lease);
            log.info("Released the archive lease {}", lease);
        };
    }

    void awaitRegistered(Set<String> ids) {
        await("chat servers " + ids + " registered")
                .atMost(REGISTRY_TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> liveServerIds().containsAll(ids));
    }

    Connection db() throws SQLException {
        return DriverManager.getConnection(
                env.database().jdbcUrl(), env.database().username(), env.database().password());
    }

    /**
     * What a PostgreSQL restart looks like to the apps, without restarting the machine's shared
     * server: every connection to our database is cut and new ones are refused until {@link
     * #reopenDatabase()}.
     */
    void closeDatabase() throws SQLException {
        String name = databaseName();
        adminExecute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
        adminExecute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
                        + name
                        + "' AND pid <> pg_backend_pid()");
    }

    void reopenDatabase() throws SQLException {
        adminExecute("ALTER DATABASE " + databaseName() + " ALLOW_CONNECTIONS true");
    }

    private String databaseName() {
        String url = env.database().jdbcUrl().split("\\?", 2)[0];
        return url.substring(url.lastIndexOf('/') + 1);
    }

    private void adminExecute(String sql) throws SQLException {
        String url = env.database().jdbcUrl().split("\\?", 2)[0];
        String adminUrl = url.substring(0, url.lastIndexOf('/') + 1) + "postgres";
        try (Connection c =
                        DriverManager.getConnection(
                                adminUrl, env.database().username(), env.database().password());
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Override
    public void close() {
        all().forEach(AppProcess::stopQuietly);
        redis.stop();
        try {
            reopenDatabase();
        } catch (SQLException e) {
            log.warn("Could not reopen the test database: {}", e.toString());
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
