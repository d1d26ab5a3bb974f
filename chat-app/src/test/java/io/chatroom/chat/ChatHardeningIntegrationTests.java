package io.chatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.chat.room.RoomRelay;
import io.chatroom.common.ChatError;
import io.chatroom.common.ChatMessage;
import io.chatroom.common.ChatRules;
import io.chatroom.common.ErrorCodes;
import io.chatroom.common.Presence;
import io.chatroom.common.RedisKeys;
import io.chatroom.common.SendAck;
import io.chatroom.testsupport.TestInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import tools.jackson.databind.json.JsonMapper;

/**
 * The places where the promise could still break or state could pile up: subscription ids,
 * subscription churn, sockets that never CONNECT, padded texts, and a Redis that comes back with
 * older data while its epoch survives.
 */
class ChatHardeningIntegrationTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(30);

    static FakeCoordinator coordinator;
    static TestInfra.Env env;
    static ChatNode nodeA;
    static ChatNode nodeB;
    static Tokens tokens;
    static RedisKeys keys;
    static StringRedisTemplate redis;
    final List<StompTestClient> clients = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        coordinator = new FakeCoordinator();
        env = TestInfra.newEnv();
        Map<String, Object> settings =
                Map.of(
                        "chatroom.rate-limit.messages-per-second", "0",
                        "chatroom.limits.connect-timeout", "2s");
        nodeA = ChatNode.start(env, "hard-a", coordinator.url(), settings);
        nodeB = ChatNode.start(env, "hard-b", coordinator.url(), settings);
        tokens = new Tokens(env.authSecret());
        keys = new RedisKeys(env.keyPrefix());
        redis = nodeA.context.getBean(StringRedisTemplate.class);
    }

    @AfterAll
    static void stopCluster() {
        nodeA.close();
        nodeB.close();
        coordinator.close();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(StompTestClient::close);
    }

    private StompTestClient client(ChatNode node, String user) {
        StompTestClient client = StompTestClient.connected(node.wsUrl(), tokens.valid(user));
        clients.add(client);
        return client;
    }

    private static String body(String text) {
        return JSON.writeValueAsString(
                Map.of("clientMessageId", UUID.randomUUID().toString(), "text", text));
    }

    private static ChatError error(StompTestClient client) {
        return JSON.readValue(client.next("errors").body(), ChatError.class);
    }

    private static long ack(StompTestClient client) {
        return JSON.readValue(client.next("acks").body(), SendAck.class).seq();
    }

    private static ChatMessage message(StompTestClient client, String subscription) {
        return JSON.readValue(client.next(subscription).body(), ChatMessage.class);
    }

    private static void awaitPresence(StompTestClient client, String sub, List<String> users) {
        Presence latest = JSON.readValue(client.next(sub).body(), Presence.class);
        while (!latest.users().equals(users)) {
            latest = JSON.readValue(client.next(sub).body(), Presence.class);
        }
        assertThat(latest.users()).isEqualTo(users);
    }

    private static RoomRelay relay(ChatNode node) {
        return node.context.getBean(RoomRelay.class);
    }

    // ---- subscription ids ----

    @Test
    void aSubscribeWithoutAnIdGetsAClearErrorAndSubscribesNothing() {
        StompTestClient alice = client(nodeA, "noid-alice");
        int before = relay(nodeA).activeRooms();

        alice.sendFrame("SUBSCRIBE", Map.of("destination", "/topic/rooms/noid"), "");

        assertThat(error(alice).code()).isEqualTo(ChatAppErrorCodes.MISSING_SUBSCRIPTION_ID);
        assertThat(relay(nodeA).activeRooms()).isEqualTo(before);
        StompTestClient sender = client(nodeA, "noid-sender");
        sender.send("/app/rooms/noid", body("hello"));
        assertThat(ack(sender)).isEqualTo(1);
    }

    @Test
    void aReusedSubscriptionIdIsRefusedAndPresenceStaysExact() {
        StompTestClient observer = client(nodeB, "reuse-observer");
        observer.subscribeAndWait("p1", "/topic/rooms/reuse-one/presence", Map.of());
        observer.subscribeAndWait("p2", "/topic/rooms/reuse-two/presence", Map.of());
        awaitPresence(observer, "p1", List.of());
        awaitPresence(observer, "p2", List.of());

        StompTestClient alice = client(nodeA, "reuse-alice");
        alice.subscribeAndWait("room", "/topic/rooms/reuse-one", Map.of());
        awaitPresence(observer, "p1", List.of("reuse-alice"));
        // The same id again, for another room and for a user queue: both refused.
        alice.subscribe("room", "/topic/rooms/reuse-two", Map.of());
        assertThat(error(alice).code()).isEqualTo(ChatAppErrorCodes.DUPLICATE_SUBSCRIPTION_ID);
        alice.subscribe("acks", "/user/queue/acks", Map.of());
        assertThat(error(alice).code()).isEqualTo(ChatAppErrorCodes.DUPLICATE_SUBSCRIPTION_ID);

        alice.unsubscribe("room");
        awaitPresence(observer, "p1", List.of());
        // The id is free again, and nobody was ever present in the second room.
        alice.subscribeAndWait("room", "/topic/rooms/reuse-two", Map.of());
        awaitPresence(observer, "p2", List.of("reuse-alice"));
        alice.close();
        awaitPresence(observer, "p2", List.of());
    }

    /**
     * A SUBSCRIBE that gave up waiting for its room (every relay thread busy) answers {@code
     * unavailable} and never takes effect later: no ghost subscriber, no ghost presence.
     */
    @Test
    void aSubscribeThatTimedOutNeverTakesEffectLater() throws Exception {
        String room = "late-sub";
        StompTestClient alice = client(nodeA, "late-alice");
        ThreadPoolTaskExecutor pool =
                nodeA.context.getBean("relayExecutor", ThreadPoolTaskExecutor.class);
        int threads = pool.getMaxPoolSize();
        CountDownLatch busy = new CountDownLatch(threads);
        CountDownLatch release = new CountDownLatch(1);
        try {
            for (int i = 0; i < threads; i++) {
                pool.execute(
                        () -> {
                            busy.countDown();
                            try {
                                release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
            }
            assertThat(busy.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

            // Queued behind the busy threads until chatroom.relay.subscribe-timeout (5 s) passes.
            alice.subscribe("room", "/topic/rooms/" + room, Map.of("receipt", "r-late"));
            assertThat(error(alice).code()).isEqualTo(ErrorCodes.UNAVAILABLE);
        } finally {
            release.countDown();
        }

        // Bob's subscribe runs on the room's executor after alice's abandoned one, so once bob is
        // present, alice's has run (or been dropped): only bob is subscribed and present.
        StompTestClient bob = client(nodeA, "late-bob");
        bob.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        String presence = keys.roomPresence(room);
        await().atMost(WAIT)
                .until(() -> redis.opsForZSet().range(presence, 0, -1).contains("late-bob@hard-a"));
        assertThat(redis.opsForZSet().range(presence, 0, -1)).containsExactly("late-bob@hard-a");
        StompTestClient sender = client(nodeB, "late-sender");
        sender.send("/app/rooms/" + room, body("after the timeout"));
        assertThat(ack(sender)).isEqualTo(1);
        assertThat(message(bob, "room").seq()).isEqualTo(1);
        await().during(Duration.ofMillis(500)).until(() -> alice.frames("room").isEmpty());

        // Bob leaves: nothing of the room is left on the server.
        bob.unsubscribe("room");
        await().atMost(WAIT).until(() -> channels("*:room:" + room + ":*").isEmpty());
        await().atMost(WAIT)
                .until(() -> !Boolean.TRUE.equals(redis.hasKey(keys.roomPresence(room))));
    }

    // ---- state follows the active rooms ----

    @Test
    void tenThousandSubscribeUnsubscribeCyclesLeaveNoRoomBehind() {
        StompTestClient churner = client(nodeA, "churner");
        int cycles = 10_000;
        int batch = 500;
        for (int i = 0; i < cycles; i++) {
            String id = "c" + i;
            String destination =
                    (i % 2 == 0)
                            ? "/topic/rooms/churn-" + i
                            : "/topic/rooms/churn-" + i + "/presence";
            boolean last = (i + 1) % batch == 0;
            churner.subscribe(id, destination, last ? Map.of("receipt", "r" + i) : Map.of());
            churner.unsubscribe(id);
            if (last) {
                // 1,000 subscribes and unsubscribes per batch: slow on a loaded 2-core machine.
                assertThat(churner.nextControl(Duration.ofSeconds(60)).command())
                        .isEqualTo("RECEIPT");
            }
        }

        await().atMost(WAIT).until(() -> relay(nodeA).activeRooms() == 0);
        // The server no longer listens to any of those rooms' channels, and left no presence.
        await().atMost(WAIT).until(() -> channels("*churn-*").isEmpty());
        // Presence sets expire with their last entry at the latest (chatroom.presence.ttl).
        await().atMost(WAIT).until(() -> scan(env.keyPrefix() + ":*:room:churn-*").isEmpty());
    }

    /** The channels some Redis client listens to, matching the pattern after the key prefix. */
    private static Set<String> channels(String pattern) {
        Object result =
                redis.execute(
                        (RedisCallback<Object>)
                                connection ->
                                        connection.execute(
                                                "PUBSUB",
                                                bytes("CHANNELS"),
                                                bytes(env.keyPrefix() + pattern)));
        Set<String> names = new TreeSet<>();
        if (result instanceof List<?> list) {
            list.forEach(b -> names.add(new String((byte[]) b, StandardCharsets.UTF_8)));
        }
        return names;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Set<String> scan(String pattern) {
        Set<String> found = new TreeSet<>();
        try (Cursor<String> cursor =
                redis.scan(ScanOptions.scanOptions().match(pattern).count(1000).build())) {
            cursor.forEachRemaining(found::add);
        }
        return found;
    }

    // ---- presence expiry by Redis's clock ----

    @Test
    void presenceEntriesExpireByRedissClockNotAServersClock() {
        String room = "clocks";
        String key = keys.roomPresence(room);
        long redisNow = redisTimeMillis();
        // Another server's live entry, and a dead server's expired one, both by Redis's clock.
        redis.opsForZSet().add(key, "carol@other-server", redisNow + 60_000);
        redis.opsForZSet().add(key, "dave@dead-server", redisNow - 1);
        StompTestClient observer = client(nodeA, "clock-observer");
        observer.subscribeAndWait("p", "/topic/rooms/" + room + "/presence", Map.of());
        awaitPresence(observer, "p", List.of("carol"));

        StompTestClient alice = client(nodeA, "clock-alice");
        alice.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        awaitPresence(observer, "p", List.of("carol", "clock-alice"));

        Double score = redis.opsForZSet().score(key, "clock-alice@hard-a");
        long now = redisTimeMillis();
        assertThat(score).isBetween(now + 6_000 - 3_000.0, now + 6_000 + 1_000.0);
        // The periodic refresh drops only what Redis's clock says expired.
        await().atMost(WAIT).until(() -> redis.opsForZSet().score(key, "dave@dead-server") == null);
        assertThat(redis.opsForZSet().score(key, "carol@other-server")).isNotNull();
    }

    private static long redisTimeMillis() {
        return redis.execute(
                (RedisCallback<Long>) connection -> connection.serverCommands().time());
    }

    // ---- Redis forgot the scripts ----

    @Test
    void aSendAfterRedisFlushedItsScriptCacheLoadsTheScriptAgain() {
        StompTestClient sender = client(nodeA, "flush-sender");
        sender.send("/app/rooms/flushed", body("before"));
        assertThat(ack(sender)).isEqualTo(1);

        redis.execute(
                (RedisCallback<Object>) connection -> connection.execute("SCRIPT", bytes("FLUSH")));
        sender.send("/app/rooms/flushed", body("after"));

        assertThat(ack(sender)).isEqualTo(2);
    }

    // ---- sockets that never CONNECT ----

    @Test
    void aSocketThatNeverCompletesConnectIsClosedAfterTheDeadline() throws Exception {
        StompTestClient idle = StompTestClient.open(nodeA.wsUrl(), null);
        clients.add(idle);
        StompTestClient connected = client(nodeA, "deadline-ok");

        assertThat(idle.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
        connected.send("/app/rooms/deadline", body("still here"));
        assertThat(ack(connected)).isPositive();
        assertThat(connected.closed).isNotDone();
    }

    // ---- the stored text obeys the limit ----

    @Test
    void aTextPaddedWithWhiteSpaceIsStoredAndBroadcastTrimmed() {
        StompTestClient watcher = client(nodeB, "pad-watcher");
        watcher.subscribeAndWait("room", "/topic/rooms/padded", Map.of());
        StompTestClient sender = client(nodeA, "pad-sender");

        sender.send("/app/rooms/padded", body("x" + " ".repeat(65_000)));

        assertThat(ack(sender)).isEqualTo(1);
        assertThat(message(watcher, "room").text()).isEqualTo("x");
        assertThat(redis.opsForZSet().range(keys.roomWindow("padded"), 0, -1))
                .singleElement()
                .satisfies(
                        json -> assertThat(json).contains("\"text\":\"x\"").hasSizeLessThan(300));
    }

    // ---- frames go out as UTF-8 text, encoded by the app ----

    @Test
    void roomMessagesArriveAsTextFramesCharacterForCharacter() {
        StompTestClient watcher = client(nodeB, "utf8-watcher");
        watcher.subscribeAndWait("room", "/topic/rooms/utf8", Map.of());
        StompTestClient sender = client(nodeA, "utf8-sender");
        // Two and four bytes per character; the long one is past Tomcat's 8 KB output buffer.
        String mixed = "h\u00e9llo \u2713 \u4e2d\u6587 \uD83D\uDE00 \u202Eend";
        String long4 = "\uD83D\uDE00".repeat(ChatRules.TEXT_MAX);

        sender.send("/app/rooms/utf8", body(mixed));
        sender.send("/app/rooms/utf8", body(long4));

        assertThat(ack(sender)).isEqualTo(1);
        assertThat(ack(sender)).isEqualTo(2);
        for (String text : List.of(mixed, long4)) {
            StompTestClient.Frame frame = watcher.next("room");
            assertThat(JSON.readValue(frame.body(), ChatMessage.class).text()).isEqualTo(text);
            assertThat(Integer.parseInt(frame.header("content-length")))
                    .isEqualTo(frame.body().getBytes(StandardCharsets.UTF_8).length);
        }
        assertThat(watcher.binaryMessages()).isZero();
        assertThat(sender.binaryMessages()).isZero();
    }

    // ---- logout survives a Redis that lost it ----

    @Test
    void aRevocationKnownOnlyToPostgresqlStillRefusesAndClosesTheToken() throws Exception {
        String open = tokens.valid("revoked-open");
        StompTestClient session = StompTestClient.connected(nodeA.wsUrl(), open);
        clients.add(session);
        String refusedToken = tokens.valid("revoked-new");

        // Logged out, but Redis came back without the revocation keys.
        revokeInDatabaseOnly(Tokens.tokenId(open));
        revokeInDatabaseOnly(Tokens.tokenId(refusedToken));

        StompTestClient fresh = StompTestClient.open(nodeB.wsUrl(), null);
        clients.add(fresh);
        assertThat(fresh.connect(refusedToken).command()).isEqualTo("ERROR");
        StompTestClient.Frame farewell = session.nextControl();
        assertThat(farewell.command()).isEqualTo("ERROR");
        assertThat(farewell.header("message")).isEqualTo("token revoked");
        assertThat(session.closed.get(10, TimeUnit.SECONDS)).isIn(1002, 1008);
        // Another token of the same user is not affected.
        StompTestClient other = client(nodeA, "revoked-open");
        other.send("/app/rooms/revocations", body("still allowed"));
        assertThat(ack(other)).isPositive();
    }

    private static void revokeInDatabaseOnly(String tokenId) {
        JdbcTemplate jdbc = nodeA.context.getBean(JdbcTemplate.class);
        jdbc.execute("create schema if not exists coordinator");
        jdbc.execute(
                "create table if not exists coordinator.revoked_token (jti varchar(64) primary"
                        + " key, expires_at timestamptz not null)");
        jdbc.update(
                "insert into coordinator.revoked_token (jti, expires_at)"
                        + " values (?, now() + interval '1 hour')",
                tokenId);
        assertThat(redis.hasKey(keys.revokedToken(tokenId))).isFalse();
    }

    // ---- Redis rolled back with its epoch intact ----

    @Test
    void aSeqIsNeverGivenOutTwiceWhenRedisComesBackWithOlderData() {
        String room = "rollback";
        StompTestClient watcher = client(nodeA, "rb-watcher");
        watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        StompTestClient sender = client(nodeA, "rb-sender");
        for (int i = 1; i <= 3; i++) {
            sender.send("/app/rooms/" + room, body("before " + i));
            assertThat(ack(sender)).isEqualTo(i);
        }
        Map<String, byte[]> snapshot = dump(room);
        for (int i = 4; i <= 7; i++) {
            sender.send("/app/rooms/" + room, body("acked " + i));
            assertThat(ack(sender)).isEqualTo(i);
        }
        // The watcher has 1..7 before the rollback: what it missed live could not be repaired
        // from a window that lost 4..7 (that is the archive's job, not this test's).
        List<Long> seen = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            seen.add(message(watcher, "room").seq());
        }

        restore(snapshot);
        sender.send("/app/rooms/" + room, body("after rollback"));

        assertThat(ack(sender)).isEqualTo(8);
        seen.add(message(watcher, "room").seq());
        assertThat(seen).isEqualTo(LongStream.rangeClosed(1, 8).boxed().toList());
        // Nothing more: seq 8 is not followed by a second 8 or a replayed 4..7.
        await().during(Duration.ofMillis(500)).until(() -> watcher.frames("room").isEmpty());
    }

    @Test
    void aServerThatNeverSawTheRoomTakesItsFloorFromTheArchive() {
        String room = "rollback-cold";
        rollBackBelowFiveAckedAndArchived(room);
        StompTestClient other = client(nodeB, "cold-other");
        other.send("/app/rooms/" + room, body("from a server that never saw the room"));

        assertThat(ack(other)).isEqualTo(6);
    }

    /**
     * The same with a subscriber on that server first: starting the subscription reads the room's
     * counter, and that read must not count as a floor that spares the first SEND its look at the
     * archive (it took seq 3 again).
     */
    @Test
    void aSubscriptionFirstDoesNotSpareTheFirstSendOfAServerNewToTheRoomItsArchiveFloor() {
        assertThat(firstSendOfASubscriberNewToTheRoom("rollback-cold-subscribed", Duration.ZERO))
                .isEqualTo(6);
    }

    /**
     * And with re-syncs between the subscription and the SEND: the re-sync passes the room's
     * cursor, which came from the counter, not from a message forwarded (it took seq 3 again as
     * well). Three re-sync intervals of the tests' 500 ms: the room is re-synced at least twice.
     */
    @Test
    void reSyncsOfASubscriptionDoNotSpareTheFirstSendOfAServerNewToTheRoomItsArchiveFloor() {
        assertThat(
                        firstSendOfASubscriberNewToTheRoom(
                                "rollback-cold-resynced", Duration.ofMillis(1_600)))
                .isEqualTo(6);
    }

    /**
     * After {@link #rollBackBelowFiveAckedAndArchived}, a client of node B subscribes, waits, then
     * sends: the seq acked to it.
     */
    private long firstSendOfASubscriberNewToTheRoom(String room, Duration pause) {
        rollBackBelowFiveAckedAndArchived(room);
        StompTestClient other = client(nodeB, room + "-other");
        other.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        if (!pause.isZero()) {
            await().pollDelay(pause).until(() -> true);
        }
        other.send("/app/rooms/" + room, body("from a subscriber new to the room"));
        return ack(other);
    }

    /**
     * Seqs 1..5 acked through node A and archived, then the room's counter and window rolled back
     * to where they were after seq 2, as a restart from an older snapshot leaves them.
     */
    private void rollBackBelowFiveAckedAndArchived(String room) {
        StompTestClient first = client(nodeA, room + "-first");
        for (int i = 1; i <= 2; i++) {
            first.send("/app/rooms/" + room, body("m" + i));
            assertThat(ack(first)).isEqualTo(i);
        }
        Map<String, byte[]> snapshot = dump(room);
        for (int i = 3; i <= 5; i++) {
            first.send("/app/rooms/" + room, body("m" + i));
            assertThat(ack(first)).isEqualTo(i);
        }
        archive(room, 5);
        restore(snapshot);
    }

    /** What the archiver would have written: the room's rows up to {@code upTo}. */
    private static void archive(String room, long upTo) {
        JdbcTemplate jdbc = nodeB.context.getBean(JdbcTemplate.class);
        jdbc.execute("create schema if not exists archive");
        jdbc.execute(
                "create table if not exists archive.chat_message (room text not null,"
                        + " seq bigint not null, primary key (room, seq))");
        for (long seq = 1; seq <= upTo; seq++) {
            jdbc.update(
                    "insert into archive.chat_message (room, seq) values (?, ?)"
                            + " on conflict do nothing",
                    room,
                    seq);
        }
    }

    private static Map<String, byte[]> dump(String room) {
        Map<String, byte[]> dumped = new HashMap<>();
        for (String key : List.of(keys.roomSeq(room), keys.roomWindow(room))) {
            dumped.put(key, redis.dump(key));
        }
        return dumped;
    }

    /** Puts the dumped keys back, as a restart from an older snapshot would; the epoch stays. */
    private static void restore(Map<String, byte[]> dumped) {
        dumped.forEach((key, value) -> redis.restore(key, value, 0, TimeUnit.MILLISECONDS, true));
    }
}
