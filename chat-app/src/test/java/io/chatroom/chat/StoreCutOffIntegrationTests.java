package io.chatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatError;
import io.chatroom.common.ChatMessage;
import io.chatroom.common.ErrorCodes;
import io.chatroom.common.SendAck;
import io.chatroom.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * One chat-app (A) cut from the Redis it shares with another (B) through a relay the test cuts:
 * with B listed {@code UP} by the coordinator, A's clients get {@code ERROR unavailable} and are
 * closed after the grace period, and A refuses CONNECTs until Redis answers again; with no other
 * server up, A keeps its sessions (there is nowhere better to go).
 */
class StoreCutOffIntegrationTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration GRACE = Duration.ofSeconds(2);
    // Grace, then up to two heartbeats whose PING waits out the 2 s Redis timeout, then slack for
    // a loaded machine.
    private static final Duration CLOSE_LIMIT = GRACE.plusSeconds(8);
    private static final Duration RECOVERY = Duration.ofSeconds(30);

    static FakeCoordinator coordinator;
    static TcpCut link;
    static ChatNode nodeA;
    static ChatNode nodeB;
    static Tokens tokens;
    final List<StompTestClient> clients = new ArrayList<>();

    @BeforeAll
    static void startNodes() {
        coordinator = new FakeCoordinator();
        TestInfra.Env env = TestInfra.newEnv();
        URI redis = URI.create(env.redisUrl());
        link = new TcpCut(redis.getHost(), redis.getPort());
        Map<String, Object> fast =
                Map.of(
                        "chatroom.coordinator.heartbeat-interval",
                        "500ms",
                        "chatroom.cluster.store-cut-off-grace",
                        GRACE.toMillis() + "ms");
        Map<String, Object> viaLink = new HashMap<>(fast);
        viaLink.put("spring.data.redis.url", withPort(redis, link.port()));
        nodeA = ChatNode.start(env, "node-a", coordinator.url(), viaLink);
        nodeB = ChatNode.start(env, "node-b", coordinator.url(), fast);
        tokens = new Tokens(env.authSecret());
    }

    @AfterAll
    static void stopNodes() {
        nodeA.close();
        nodeB.close();
        link.close();
        coordinator.close();
    }

    @BeforeEach
    void linkUp() {
        link.restore();
        // A accepts CONNECTs again once a heartbeat's PING got through.
        await().atMost(RECOVERY)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(
                        () -> {
                            StompTestClient probe = StompTestClient.open(nodeA.wsUrl(), null);
                            try {
                                return "CONNECTED"
                                        .equals(probe.connect(tokens.valid("probe")).command());
                            } finally {
                                probe.close();
                            }
                        });
    }

    @AfterEach
    void closeClients() {
        clients.forEach(StompTestClient::close);
        clients.clear();
        link.restore();
    }

    @Test
    void clientsOfTheCutServerAreClosedWithUnavailableWhenAnotherServerIsUp() {
        coordinator.servers = listing("DOWN", "UP");
        String room = "cut-" + UUID.randomUUID().toString().substring(0, 8);
        StompTestClient onA = client(nodeA, "alice");
        onA.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        StompTestClient onB = client(nodeB, "bob");
        onB.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        double closedBefore = storeCutOffCloses(nodeA);

        link.cut();
        long cutAt = System.nanoTime();
        StompTestClient.Frame error = onA.nextControl(CLOSE_LIMIT);
        Duration took = Duration.ofNanos(System.nanoTime() - cutAt);
        assertThat(error.command()).isEqualTo("ERROR");
        assertThat(error.header("message")).isEqualTo(ErrorCodes.UNAVAILABLE);
        assertThat(error.body()).contains("reconnect to another server");
        assertThat(took).isGreaterThanOrEqualTo(GRACE).isLessThan(CLOSE_LIMIT);
        assertThat(onA.closed).succeedsWithin(Duration.ofSeconds(5));
        assertThat(storeCutOffCloses(nodeA) - closedBefore).isEqualTo(1.0);

        // While cut off, A sends new clients elsewhere at once rather than letting them in.
        StompTestClient late = StompTestClient.open(nodeA.wsUrl(), null);
        clients.add(late);
        StompTestClient.Frame refused = late.connect(tokens.valid("carol"));
        assertThat(refused.command()).isEqualTo("ERROR");
        assertThat(refused.header("message")).isEqualTo(ErrorCodes.UNAVAILABLE);

        // B goes on: its client's SEND is acked and delivered.
        String id = UUID.randomUUID().toString();
        onB.send("/app/rooms/" + room, body(id, "from b during the cut"));
        SendAck ack = JSON.readValue(onB.next("acks").body(), SendAck.class);
        ChatMessage delivered = JSON.readValue(onB.next("room").body(), ChatMessage.class);
        assertThat(delivered.seq()).isEqualTo(ack.seq());
        assertThat(delivered.text()).isEqualTo("from b during the cut");

        // Once the link is back, A takes clients again (linkUp of the next test checks the same).
        link.restore();
        await().atMost(RECOVERY)
                .pollInterval(Duration.ofMillis(250))
                .until(
                        () -> {
                            StompTestClient again = StompTestClient.open(nodeA.wsUrl(), null);
                            try {
                                return "CONNECTED"
                                        .equals(again.connect(tokens.valid("alice")).command());
                            } finally {
                                again.close();
                            }
                        });
    }

    @Test
    void sessionsStayOpenWhenNoOtherServerIsUp() {
        // As when all of Redis is down: every server reports DOWN.
        coordinator.servers = listing("DOWN", "DOWN");
        String room = "nowhere-" + UUID.randomUUID().toString().substring(0, 8);
        StompTestClient onA = client(nodeA, "dave");
        onA.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        double closedBefore = storeCutOffCloses(nodeA);

        link.cut();
        // It is really cut: a SEND gets 'unavailable' on the errors queue, the session stays.
        String id = UUID.randomUUID().toString();
        onA.send("/app/rooms/" + room, body(id, "while cut"));
        ChatError refused = JSON.readValue(onA.next("errors").body(), ChatError.class);
        assertThat(refused.code()).isEqualTo(ErrorCodes.UNAVAILABLE);
        // Well past the grace period, through heartbeats that asked the coordinator: still open.
        int askedBefore = serverListRequests();
        await().during(CLOSE_LIMIT)
                .atMost(CLOSE_LIMIT.plusSeconds(5))
                .until(() -> !onA.closed.isDone());
        assertThat(serverListRequests()).as("A asked the coordinator").isGreaterThan(askedBefore);
        assertThat(onA.frames("room")).isEmpty();
        assertThat(storeCutOffCloses(nodeA)).isEqualTo(closedBefore);

        // And the same session is acked once the link is back.
        link.restore();
        SendAck ack =
                onA.sendUntilAcked(
                        "/app/rooms/" + room,
                        body(id, "while cut"),
                        RECOVERY,
                        error -> assertThat(error.code()).isEqualTo(ErrorCodes.UNAVAILABLE));
        assertThat(ack.seq()).isPositive();
        assertThat(onA.closed).isNotDone();
    }

    private StompTestClient client(ChatNode node, String user) {
        StompTestClient client = StompTestClient.connected(node.wsUrl(), tokens.valid(user));
        clients.add(client);
        return client;
    }

    /** What the coordinator answers to GET /api/servers, A's and B's status. */
    private static String listing(String statusA, String statusB) {
        return "[" + entry(nodeA, statusA) + "," + entry(nodeB, statusB) + "]";
    }

    private static String entry(ChatNode node, String status) {
        String http = "http://127.0.0.1:" + node.port();
        return JSON.writeValueAsString(
                Map.of(
                        "id",
                        node.serverId,
                        "httpUrl",
                        http,
                        "wsUrl",
                        node.wsUrl(),
                        "status",
                        status,
                        "connections",
                        0,
                        "lastHeartbeat",
                        "2026-11-29T00:00:00Z"));
    }

    private static int serverListRequests() {
        return (int)
                coordinator.requests.stream()
                        .filter(r -> r.method().equals("GET") && r.path().equals("/api/servers"))
                        .count();
    }

    private static double storeCutOffCloses(ChatNode node) {
        return node.context
                .getBean(MeterRegistry.class)
                .counter("chatroom.sessions.closed", "reason", "store_cut_off")
                .count();
    }

    private static String body(String clientMessageId, String text) {
        return JSON.writeValueAsString(Map.of("clientMessageId", clientMessageId, "text", text));
    }

    private static String withPort(URI uri, int port) {
        try {
            return new URI(
                            uri.getScheme(),
                            uri.getUserInfo(),
                            uri.getHost(),
                            port,
                            uri.getPath(),
                            uri.getQuery(),
                            uri.getFragment())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
