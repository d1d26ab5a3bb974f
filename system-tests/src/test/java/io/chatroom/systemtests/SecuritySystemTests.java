package io.chatroom.systemtests;

import static io.chatroom.systemtests.SystemTestSupport.assertClean;
import static io.chatroom.systemtests.SystemTestSupport.closeAll;
import static io.chatroom.systemtests.SystemTestSupport.connectedClients;
import static io.chatroom.systemtests.SystemTestSupport.rooms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Scenario 10 of issue 7: hostile input against a cluster of real processes (a coordinator, one
 * rate-limited chat-app, an archiver). Each attack gets its documented error, nothing crashes, and
 * bystanders chatting all along lose nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class)
class SecuritySystemTests {
    private static final Logger log = LoggerFactory.getLogger(SecuritySystemTests.class);
    private static final int RATE_PER_SECOND = 10;
    private static final int RATE_BURST = 20;
    private static final int STOMP_FRAME_LIMIT = 64 * 1024;
    private static final int HTTP_BODY_BYTES = 1024 * 1024;
    private static final Duration FRAME_WAIT = Duration.ofSeconds(10);
    private static final Duration REVOCATION_LIMIT = Duration.ofSeconds(5);
    private static final Duration KEPT_OPEN_CHECK = Duration.ofSeconds(2);
    private static final String CLOSED = "(closed)";

    private Cluster cluster;
    private List<ChatClient> bystanders = List.of();
    private Traffic bystanderTraffic;

    @BeforeAll
    void startCluster() {
        SystemTestSupport.assumeRunnable();
        cluster = Cluster.start(new Cluster.Options(1, 1, RATE_PER_SECOND, RATE_BURST));
        bystanders = connectedClients(cluster, 3, rooms("bystanders", 1));
        // Well below the rate limit, for as long as the attacks last (stopped in the last test).
        bystanderTraffic = Traffic.start(bystanders, new Traffic.Plan(100_000, 2, 80));
    }

    @AfterAll
    void stopCluster() {
        if (bystanderTraffic != null) {
            bystanderTraffic.stop();
        }
        closeAll(bystanders);
        if (cluster != null) {
            cluster.close();
        }
    }

    private String coordinator() {
        return cluster.coordinators().get(0).baseUrl();
    }

    private String wsUrl() {
        return bystanders.get(0).server().wsUrl();
    }

    @Test
    void attack01WrongOriginIsRefused() throws IOException {
        try (RawWebSocket evil = RawWebSocket.open(wsUrl(), "http://evil.example", 0)) {
            assertThat(evil.handshakeStatus()).isEqualTo(403);
        }
        try (RawWebSocket good = RawWebSocket.open(wsUrl(), Cluster.ALLOWED_ORIGIN, 0)) {
            assertThat(good.handshakeStatus()).isEqualTo(101);
        }
    }

    @Test
    void attack02BadTokensGetErrorFrameAndClose() throws IOException {
        ChatClient user = ChatClient.registerNew(cluster.coordinatorUrls(), "tok");
        user.login();
        String name = user.username();
        Instant hourAhead = Instant.now().plusSeconds(3600);
        String otherKey = UUID.randomUUID().toString() + UUID.randomUUID();
        Map<String, String> attempts = new LinkedHashMap<>();
        attempts.put("missing", null);
        attempts.put("garbage", "Bearer garbage.garbage.garbage");
        attempts.put("not bearer", "Basic " + user.token());
        attempts.put(
                "expired",
                "Bearer "
                        + Tokens.hs256(
                                cluster.env().authSecret(), name, Instant.now().minusSeconds(60)));
        attempts.put("other key", "Bearer " + Tokens.hs256(otherKey, name, hourAhead));
        attempts.put("alg none", "Bearer " + Tokens.unsigned(name, hourAhead));

        Map<String, String> outcomes = new LinkedHashMap<>();
        for (Map.Entry<String, String> attempt : attempts.entrySet()) {
            outcomes.put(attempt.getKey(), connectOutcome(attempt.getValue()));
        }
        // Sanity: the real token works.
        assertThat(connectOutcome("Bearer " + user.token())).startsWith("CONNECTED");

        // Revoked: a session opened with the token is closed within 5 s, a new CONNECT refused.
        // Tied to that token: the same user's other token (a second login), with a session open
        // on the same server all along, keeps its session and still connects.
        ChatClient otherLogin = user.sameUser();
        otherLogin.login();
        assertThat(otherLogin.token()).isNotEqualTo(user.token());
        try (RawWebSocket open = RawWebSocket.open(wsUrl(), Cluster.ALLOWED_ORIGIN, 0);
                RawWebSocket kept = RawWebSocket.open(wsUrl(), Cluster.ALLOWED_ORIGIN, 0)) {
            open.stompConnect("Bearer " + user.token());
            assertThat(open.readText(FRAME_WAIT)).startsWith("CONNECTED");
            kept.stompConnect("Bearer " + otherLogin.token());
            assertThat(kept.readText(FRAME_WAIT)).startsWith("CONNECTED");
            Rest.Response logout =
                    Rest.postJson(
                            coordinator() + "/api/auth/logout",
                            "",
                            Map.of("Authorization", "Bearer " + user.token()));
            assertThat(logout.status()).isEqualTo(204);
            long loggedOutAt = System.nanoTime();
            assertThat(open.drainUntilClosed(REVOCATION_LIMIT.plusSeconds(1), FRAME_WAIT))
                    .as("session of a logged-out token closed")
                    .isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - loggedOutAt))
                    .isLessThanOrEqualTo(REVOCATION_LIMIT.plusSeconds(1));
            // Checked after the revoked session closed, so a sweep that closed by user (or every
            // session) would have closed this one by now too.
            assertThat(kept.drainUntilClosed(KEPT_OPEN_CHECK, KEPT_OPEN_CHECK))
                    .as("session of the same user's other token stays open")
                    .isFalse();
        }
        outcomes.put("revoked", connectOutcome("Bearer " + user.token()));
        assertThat(connectOutcome("Bearer " + otherLogin.token()))
                .as("the same user's other token")
                .startsWith("CONNECTED");

        Map<String, String> firstLines = new LinkedHashMap<>();
        outcomes.forEach((k, v) -> firstLines.put(k, v.lines().findFirst().orElse("")));
        log.info("Bad token outcomes (first line of the answer): {}", firstLines);
        assertThat(outcomes).allSatisfy((k, v) -> assertThat(v).as(k).startsWith("ERROR"));
    }

    /** The first frame the server answers a CONNECT with, or {@link #CLOSED}. */
    private String connectOutcome(String authorization) throws IOException {
        try (RawWebSocket socket = RawWebSocket.open(wsUrl(), Cluster.ALLOWED_ORIGIN, 0)) {
            if (socket.handshakeStatus() != 101) {
                return "HTTP " + socket.handshakeStatus();
            }
            socket.stompConnect(authorization);
            String frame = socket.readText(FRAME_WAIT);
            if (frame == null) {
                return CLOSED;
            }
            if (frame.startsWith("ERROR")) {
                assertThat(socket.drainUntilClosed(FRAME_WAIT, FRAME_WAIT))
                        .as("closed after ERROR")
                        .isTrue();
            }
            return frame;
        }
    }

    @Test
    void attack03OversizedFrameIsRefused() throws IOException {
        ChatClient user = ChatClient.registerNew(cluster.coordinatorUrls(), "big");
        user.login();
        String room = bystanders.get(0).rooms().iterator().next();
        String outcome;
        try (RawWebSocket socket = RawWebSocket.open(wsUrl(), Cluster.ALLOWED_ORIGIN, 0)) {
            socket.stompConnect("Bearer " + user.token());
            assertThat(socket.readText(FRAME_WAIT)).startsWith("CONNECTED");
            String head =
                    "SEND\ndestination:/app/rooms/" + room + "\ncontent-type:application/json\n\n";
            String filler = "x".repeat(STOMP_FRAME_LIMIT + 1 - head.length() - 1);
            socket.sendText(head + filler + "\0");
            String frame = socket.readText(FRAME_WAIT);
            outcome = frame == null ? CLOSED : frame.lines().findFirst().orElse("");
        }
        log.info("64 KB + 1 frame: {}", outcome);
        assertThat(outcome).isIn("ERROR", CLOSED);
        assertThat(cluster.chatApps().get(0).isReady()).isTrue();
    }

    @Test
    void attack04HugeHttpBodyIsRefused() throws IOException {
        String huge =
                "{\"username\":\"" + "a".repeat(HTTP_BODY_BYTES) + "\",\"password\":\"whatever1\"}";
        for (String path : List.of("/api/auth/login", "/api/auth/register")) {
            Rest.Response response = Rest.postJson(coordinator() + path, huge, Map.of());
            log.info("1 MB body to {}: {}", path, response.status());
            assertThat(response.status()).as(path).isBetween(400, 499);
            assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
        }
        assertThat(cluster.coordinators().get(0).isReady()).isTrue();
    }

    @Test
    void attack05InvalidInputGetsErrorFrames() throws IOException {
        ChatClient user = ChatClient.registerNew(cluster.coordinatorUrls(), "bad");
        user.join("bad-input");
        user.loginAndConnect();
        try {
            user.sendRaw("bad-input", "{not json");
            user.sendRaw(
                    "bad-input",
                    "{\"clientMessageId\":\"" + UUID.randomUUID() + "\",\"text\":\"   \"}");
            user.sendRaw(
                    "bad-input",
                    "{\"clientMessageId\":\""
                            + UUID.randomUUID()
                            + "\",\"text\":\""
                            + "y".repeat(2001)
                            + "\"}");
            user.sendRaw(
                    "BAD_ROOM!",
                    "{\"clientMessageId\":\"" + UUID.randomUUID() + "\",\"text\":\"hi\"}");
            await("four error frames").atMost(FRAME_WAIT).until(() -> user.errors().size() >= 4);
            List<String> codes = user.errors().stream().map(ChatError::code).toList();
            log.info("Invalid input error codes: {}", codes);
            assertThat(codes).contains("bad_json", "bad_text", "bad_room");
            assertThat(user.isConnected()).isTrue();
            assertThat(user.frameCount("bad-input")).isZero();
        } finally {
            user.close();
        }
    }

    @Test
    void attack06RateLimitFloodLeavesOthersAlone() throws IOException {
        List<String> room = rooms("flood", 1);
        List<ChatClient> pair = connectedClients(cluster, 2, room);
        ChatClient flooder = pair.get(0);
        ChatClient normal = pair.get(1);
        try {
            for (int i = 0; i < RATE_BURST * 10; i++) {
                flooder.send(room.get(0), "flood " + i);
            }
            Traffic calm = Traffic.start(List.of(normal), new Traffic.Plan(10, 2, 20));
            calm.awaitAllAcked(Duration.ofSeconds(60));
            await("rate_limited errors for the flooder")
                    .atMost(FRAME_WAIT)
                    .until(
                            () ->
                                    flooder.errors().stream()
                                            .anyMatch(e -> "rate_limited".equals(e.code())));
            // Every flooded message gets exactly one answer: an ack or rate_limited naming it.
            await("an ack or an error for every flooded message")
                    .atMost(FRAME_WAIT)
                    .until(() -> answered(flooder) == RATE_BURST * 10);
            long limited =
                    flooder.errors().stream().filter(e -> "rate_limited".equals(e.code())).count();
            log.info("Flood: {} of {} refused with rate_limited", limited, RATE_BURST * 10);
            assertThat(flooder.errors()).extracting(ChatError::code).containsOnly("rate_limited");
            assertThat(limited).isPositive();
            assertThat(flooder.errors())
                    .allSatisfy(
                            e ->
                                    assertThat(flooder.sent().get(e.clientMessageId()).seq)
                                            .as("refused, so never acked")
                                            .isNegative());
            assertThat(normal.errors()).isEmpty();
            assertThat(flooder.isConnected()).isTrue();
        } finally {
            closeAll(pair);
        }
    }

    /** Messages of the client that were acked or refused (by clientMessageId), each once. */
    private static long answered(ChatClient client) {
        Set<String> answered = new java.util.HashSet<>();
        client.sent().values().stream()
                .filter(m -> m.seq > 0)
                .forEach(m -> answered.add(m.clientMessageId));
        client.errors().stream()
                .map(ChatError::clientMessageId)
                .filter(client.sent()::containsKey)
                .forEach(answered::add);
        return answered.size();
    }

    @Test
    void attack07HostilePayloadsStoredByteIdentical() throws IOException {
        List<String> payloads =
                List.of(
                        "'; DROP TABLE archive.chat_message; --",
                        "Robert'); DELETE FROM coordinator.accounts WHERE ('1'='1",
                        "<script>alert('xss')</script>",
                        "<img src=x onerror=alert(1)>",
                        "\"}]},{\"seq\":1,\"text\":\"forged",
                        "line1\nline2\r\nline3\ttab \\ backslash",
                        "émoji 😀 RTL \u202Eevil\u202C ünïcödé 中文",
                        "\u0001\u0002 control chars",
                        "  leading and trailing spaces  ",
                        "NUL-free ^@ %00 %s %n {0} ${jndi:ldap://x/a}");
        String room = rooms("payload", 1).get(0);
        List<ChatClient> pair = connectedClients(cluster, 2, List.of(room));
        try {
            for (String payload : payloads) {
                pair.get(0).send(room, payload);
            }
            await("payloads acked and delivered")
                    .atMost(Duration.ofSeconds(30))
                    .until(
                            () ->
                                    pair.get(0).unackedCount() == 0
                                            && pair.get(1).frameCount(room) >= payloads.size());
            List<String> delivered =
                    pair.get(1).frames(room).stream().map(r -> r.message().text()).toList();
            assertThat(delivered).containsExactlyElementsOf(payloads);

            await("payloads archived")
                    .atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> Checker.countRows(cluster, Set.of(room)) >= payloads.size());
            Map<Long, String> stored = Checker.rows(cluster, Set.of(room)).get(room);
            assertThat(new ArrayList<>(new java.util.TreeMap<>(stored).values()))
                    .containsExactlyElementsOf(payloads);

            Rest.Response history =
                    Rest.get(
                            cluster.archiver().baseUrl()
                                    + "/api/rooms/"
                                    + room
                                    + "/messages?limit=200",
                            Map.of("Origin", Cluster.ALLOWED_ORIGIN));
            assertThat(history.status()).isEqualTo(200);
            List<String> fromHistory = new ArrayList<>();
            JsonNode body = history.json();
            JsonNode list = body.isArray() ? body : body.get("messages");
            list.forEach(m -> fromHistory.add(m.get("text").asString()));
            assertThat(fromHistory).containsExactlyElementsOf(payloads);
            assertThat(history.body().getBytes(StandardCharsets.UTF_8)).isNotEmpty();
        } finally {
            closeAll(pair);
        }
    }

    @Test
    void attack08HeartbeatForgeryIsRefused() throws IOException {
        Map<String, Object> forged =
                Map.of(
                        "id", "forged",
                        "httpUrl", "http://evil.example",
                        "wsUrl", "ws://evil.example/ws",
                        "status", "UP",
                        "connections", 0);
        Rest.Response noKey =
                Rest.postJson(coordinator() + "/api/servers/heartbeat", forged, Map.of());
        Rest.Response wrongKey =
                Rest.postJson(
                        coordinator() + "/api/servers/heartbeat",
                        forged,
                        Map.of("X-Cluster-Key", UUID.randomUUID().toString()));
        assertThat(noKey.status()).isEqualTo(401);
        assertThat(wrongKey.status()).isEqualTo(401);
        assertThat(cluster.liveServerIds()).doesNotContain("forged");
    }

    @Test
    void attack09FailedLoginsAreThrottled() {
        ChatClient victim;
        try {
            victim = ChatClient.registerNew(cluster.coordinatorUrls(), "victim");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int attempts = 1000;
        AtomicInteger throttled = new AtomicInteger();
        AtomicInteger serverErrors = new AtomicInteger();
        AtomicInteger withRetryAfter = new AtomicInteger();
        List<Callable<Integer>> tries = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
            tries.add(
                    () -> {
                        Rest.Response r =
                                Rest.postJson(
                                        coordinator() + "/api/auth/login",
                                        Map.of(
                                                "username",
                                                victim.username(),
                                                "password",
                                                "wrong-password"),
                                        Map.of());
                        if (r.status() == 429) {
                            throttled.incrementAndGet();
                            if (r.header("Retry-After") != null) {
                                withRetryAfter.incrementAndGet();
                            }
                        } else if (r.status() >= 500) {
                            serverErrors.incrementAndGet();
                        }
                        return r.status();
                    });
        }
        SystemTestSupport.runAll(tries, 16);
        log.info(
                "{} failed logins: {} throttled ({} with Retry-After), {} server errors",
                attempts,
                throttled.get(),
                withRetryAfter.get(),
                serverErrors.get());
        assertThat(serverErrors.get()).isZero();
        assertThat(throttled.get()).isGreaterThan(attempts / 2);
        assertThat(withRetryAfter.get()).isEqualTo(throttled.get());
    }

    @Test
    void attack10BystandersWereUnaffected() {
        bystanderTraffic.stop();
        bystanderTraffic.awaitAllAcked(Duration.ofSeconds(60));
        ClusterFaultsSystemTests.awaitDelivered(bystanders);
        assertThat(cluster.chatApps()).allMatch(AppProcess::isReady);
        assertThat(cluster.coordinators()).allMatch(AppProcess::isReady);
        assertThat(cluster.archiver().isReady()).isTrue();
        assertClean(Checker.check("10 security (bystanders)", cluster, bystanders, null, true));
        assertThat(bystanders).allMatch(c -> c.disconnects() == 0 && c.errors().isEmpty());
    }
}
