package io.chatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatError;
import io.chatroom.common.ChatMessage;
import io.chatroom.common.ErrorCodes;
import io.chatroom.common.RedisKeys;
import io.chatroom.common.SendAck;
import io.chatroom.testsupport.PrivateRedis;
import io.chatroom.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 13, item 1 with senders on two servers: Redis is killed and started again from a snapshot
 * older than the last acks (its epoch key survives), while clients on both servers keep sending. A
 * server only knows the seqs it gave out or relayed; the other server's latest ones can be unknown
 * to it (here server B never relays the room), so without the restart fence B would number its next
 * message with a seq already acked on A.
 */
class RedisRestartIntegrationTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int FAST_MESSAGES = 300;
    private static final int SLOW_AFTER_RESTART = 30;
    private static final Duration SLOW_PAUSE = Duration.ofMillis(50);
    private static final Pattern HOST_PORT = Pattern.compile("//([^:/]+):(\\d+)/");

    /** How long one attempt waits for its answer before the SEND is repeated. */
    private static final Duration ATTEMPT = Duration.ofSeconds(10);

    @TempDir static Path redisDir;
    static PrivateRedis redis;

    /** Node A's link to PostgreSQL, which one drill cuts. */
    static TcpCut archiveOfA;

    static FakeCoordinator coordinator;
    static ChatNode nodeA;
    static ChatNode nodeB;
    static Tokens tokens;
    static RedisKeys keys;
    final List<StompTestClient> clients = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        redis = PrivateRedis.startWithSnapshots(redisDir);
        coordinator = new FakeCoordinator();
        TestInfra.Env env = TestInfra.newEnv();
        Map<String, Object> settings =
                Map.of(
                        "spring.data.redis.url",
                        redis.url(),
                        "chatroom.rate-limit.messages-per-second",
                        "0");
        Matcher hostPort = HOST_PORT.matcher(env.database().jdbcUrl());
        assertThat(hostPort.find()).as(env.database().jdbcUrl()).isTrue();
        archiveOfA = new TcpCut(hostPort.group(1), Integer.parseInt(hostPort.group(2)));
        Map<String, Object> settingsOfA = new HashMap<>(settings);
        settingsOfA.put(
                "spring.datasource.url",
                hostPort.replaceFirst("//127.0.0.1:" + archiveOfA.port() + "/"));
        nodeA = ChatNode.start(env, "restart-a", coordinator.url(), settingsOfA);
        nodeB = ChatNode.start(env, "restart-b", coordinator.url(), settings);
        tokens = new Tokens(env.authSecret());
        keys = new RedisKeys(env.keyPrefix());
    }

    @AfterAll
    static void stopCluster() {
        nodeA.close();
        nodeB.close();
        coordinator.close();
        redis.close();
        archiveOfA.close();
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

    /**
     * A sends fast and stops; Redis is killed and started again from a snapshot taken before A's
     * last acks; B, which sent slowly all along and relays nothing (no subscriber anywhere), goes
     * on. B knows only its own seqs, far behind A's, so without the fence its next message would
     * get a seq acked to A. With it, A (idle, it meets the new process by its probe) raises the
     * counter before B numbers anything, and writes back what it acked after the snapshot.
     */
    @Test
    void aRestartFromAnOlderSnapshotGivesNoSeqTwiceThoughTheNextSenderKnowsLess() throws Exception {
        String room = "restart";
        Map<Long, String> acked = drill(room, true, false);

        // The messages A acked after the snapshot were written back by A to the window: a
        // newcomer resuming from 0 gets 1..N with the acked texts.
        assertThat(rewritten(nodeA)).as("messages A wrote back").isPositive();
        StompTestClient newcomer = client(nodeB, "newcomer");
        newcomer.subscribe("room", "/topic/rooms/" + room, Map.of("resume-after", "0"));
        for (long seq = 1; seq <= acked.size(); seq++) {
            ChatMessage message = JSON.readValue(newcomer.next("room").body(), ChatMessage.class);
            assertThat(message.seq()).isEqualTo(seq);
            assertThat(message.text()).isEqualTo(acked.get(seq));
        }
    }

    /**
     * The same with Redis started again empty (no persistence, or its files lost), epoch and all:
     * B's first SEND would seed the missing counter from the archive (empty here) and its own seqs;
     * the fence has A seed it from A's first, so no seq is given out twice.
     */
    @Test
    void aRestartWithNothingOnDiskGivesNoSeqTwiceThoughTheNextSenderKnowsLess() throws Exception {
        drill("wiped", false, false);
    }

    /**
     * The same while A cannot reach PostgreSQL: A's fence seeds the counter from its floors at
     * once, without the archive (PostgreSQL's connection timeout, 3 s, is longer than the grace),
     * so B, whose first SEND after the grace would seed it from its own seqs, numbers above A's.
     */
    @Test
    void aRestartWithNothingOnDiskWhileTheKnowingServerLacksTheArchiveGivesNoSeqTwice()
            throws Exception {
        drill("wiped-no-archive", false, true);
    }

    /**
     * Seqs only the archive holds: a server that gave out 6..8 died with Redis, which came back
     * from a snapshot taken at 3, after the archiver had stored them. The survivor's floor (5) is
     * below them, so its fence cannot raise the counter past them; it makes the survivor's next
     * SEND of each room read the archive again, and that SEND numbers above it.
     */
    @Test
    void aRestartFromAnOlderSnapshotMakesTheSurvivorReadTheArchiveAgain() throws Exception {
        String room = "archive-only";
        JdbcTemplate archive = nodeA.context.getBean(JdbcTemplate.class);
        archive.execute("create schema if not exists archive");
        archive.execute(
                "create table if not exists archive.chat_message (room text not null,"
                        + " seq bigint not null, primary key (room, seq))");
        StompTestClient survivor = client(nodeA, "survivor");
        Map<Long, String> acked = new ConcurrentHashMap<>();
        AtomicInteger twice = new AtomicInteger();
        Set<String> otherErrors = ConcurrentHashMap.newKeySet();
        for (int i = 1; i <= 5; i++) {
            if (i == 4) {
                takeSnapshot();
            }
            send(survivor, room, "m" + i, acked, twice, otherErrors);
        }
        assertThat(acked.keySet()).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
        for (long seq = 1; seq <= 8; seq++) {
            archive.update("insert into archive.chat_message (room, seq) values (?, ?)", room, seq);
        }
        restartFromSnapshot();
        send(survivor, room, "after the restart", acked, twice, otherErrors);

        assertThat(otherErrors).isEmpty();
        assertThat(acked).containsEntry(9L, "after the restart");
    }

    /**
     * A message acked on a retry: its first attempt's script ran in Redis but the reply never came
     * back (here the test runs that attempt's script itself), so the client's SEND again with the
     * same clientMessageId is acked from the idempotency key. Redis then comes back from a snapshot
     * older than the message: the server that acked the retry writes it back like a message it
     * appended, or the acked seq would stay a gap for good.
     */
    @Test
    void aMessageAckedOnItsRetryIsWrittenBackAfterARestartFromAnOlderSnapshot() throws Exception {
        String room = "retried";
        StompTestClient sender = client(nodeA, "retrier");
        Map<Long, String> acked = new ConcurrentHashMap<>();
        AtomicInteger twice = new AtomicInteger();
        Set<String> otherErrors = ConcurrentHashMap.newKeySet();
        send(sender, room, "before the snapshot", acked, twice, otherErrors);
        takeSnapshot();

        String clientMessageId = UUID.randomUUID().toString();
        String text = "acked on its retry";
        List<?> firstAttempt =
                redisOf(nodeA)
                        .execute(
                                RedisScripts.load("scripts/append-message.lua", List.class),
                                List.of(
                                        keys.idempotency(room, "retrier:" + clientMessageId),
                                        keys.roomSeq(room),
                                        keys.roomWindow(room),
                                        keys.archiveQueue(RedisKeys.shardOf(room))),
                                UUID.randomUUID().toString(),
                                room,
                                JSON.writeValueAsString("retrier"),
                                JSON.writeValueAsString(text),
                                "1000",
                                "86400",
                                keys.roomChannel(room),
                                "0",
                                "PUBLISH");
        assertThat(firstAttempt.get(0)).as("the first attempt: a new message").isEqualTo(1L);
        assertThat(firstAttempt.get(1)).as("the first attempt's seq").isEqualTo(2L);
        SendAck retry =
                sendUntilAcked(
                        sender,
                        "/app/rooms/" + room,
                        JSON.writeValueAsString(
                                Map.of("clientMessageId", clientMessageId, "text", text)),
                        otherErrors);
        assertThat(retry.seq()).isEqualTo(2);
        restartFromSnapshot();

        assertThat(otherErrors).isEmpty();
        await().atMost(WAIT)
                .untilAsserted(
                        () ->
                                assertThat(
                                                redisOf(nodeA)
                                                        .opsForZSet()
                                                        .rangeByScore(keys.roomWindow(room), 2, 2))
                                        .as("seq 2 in the window after the restart")
                                        .singleElement()
                                        .extracting(json -> JSON.readValue(json, ChatMessage.class))
                                        .extracting(ChatMessage::text)
                                        .isEqualTo(text));
        send(sender, room, "after the restart", acked, twice, otherErrors);
        assertThat(acked).containsOnlyKeys(1L, 3L);
    }

    /**
     * Runs the two senders around a kill -9 of Redis, started again from a snapshot taken half-way
     * ({@code fromSnapshot}) or with nothing; checks the acks and the archive queue, and returns
     * the acked texts by seq.
     */
    private Map<Long, String> drill(String room, boolean fromSnapshot, boolean cutArchiveOfA)
            throws Exception {
        double restartsA = restartsMet(nodeA);
        double restartsB = restartsMet(nodeB);
        StompTestClient fast = client(nodeA, "fast");
        StompTestClient slow = client(nodeB, "slow");
        Map<Long, String> acked = new ConcurrentHashMap<>();
        AtomicInteger twice = new AtomicInteger();
        Set<String> otherErrors = ConcurrentHashMap.newKeySet();
        AtomicBoolean restarted = new AtomicBoolean();
        // A's second half waits for the snapshot, so that some of A's acks always come after it
        // (a fast A on an idle machine could otherwise finish before the SAVE ran).
        CountDownLatch snapshotTaken = new CountDownLatch(1);
        CompletableFuture<Void> fastSending =
                CompletableFuture.runAsync(
                        () -> {
                            for (int i = 1; i <= FAST_MESSAGES; i++) {
                                if (i == FAST_MESSAGES / 2 + 1) {
                                    awaitLatch(snapshotTaken);
                                }
                                send(fast, room, "fast-" + i, acked, twice, otherErrors);
                            }
                        });
        CompletableFuture<Void> slowSending =
                CompletableFuture.runAsync(
                        () -> {
                            int afterRestart = 0;
                            for (int i = 1; afterRestart < SLOW_AFTER_RESTART; i++) {
                                send(slow, room, "slow-" + i, acked, twice, otherErrors);
                                if (restarted.get()) {
                                    afterRestart++;
                                } else {
                                    sleep(SLOW_PAUSE);
                                }
                            }
                        });

        await().atMost(WAIT).until(() -> acked.size() >= FAST_MESSAGES / 2);
        Path dump = redisDir.resolve("dump.rdb");
        Path older = redisDir.resolve("older.rdb");
        if (fromSnapshot) {
            assertThat(redis.command("SAVE")).isEqualTo("+OK");
            Files.copy(dump, older, StandardCopyOption.REPLACE_EXISTING);
        }
        snapshotTaken.countDown();
        fastSending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (cutArchiveOfA) {
            archiveOfA.cut();
        }
        try {
            redis.kill();
            if (fromSnapshot) {
                Files.copy(older, dump, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(dump);
            }
            redis.startAgain();
            restarted.set(true);
            slowSending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            archiveOfA.restore();
        }

        assertThat(otherErrors).as("error codes other than unavailable").isEmpty();
        assertThat(twice.get()).as("seqs acked twice").isZero();
        // A meeting is counted once the fence is done, and a fence whose archive read waited for
        // PostgreSQL (cut, then restored above) ends after the senders.
        await().atMost(WAIT)
                .untilAsserted(
                        () -> {
                            assertThat(restartsMet(nodeA) - restartsA)
                                    .as("the new Redis process met by the idle server's probe")
                                    .isEqualTo(1);
                            assertThat(restartsMet(nodeB) - restartsB)
                                    .as("the new Redis process met by the sender")
                                    .isEqualTo(1);
                        });
        long highest = acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        assertThat(highest).as("highest seq acked").isEqualTo(acked.size());

        // Nothing acked is lost on its way to PostgreSQL: the archive queue (no archiver runs
        // here) holds every acked message with its text; a message queued twice is the same one.
        Map<Long, Set<String>> queued = new HashMap<>();
        redisOf(nodeA)
                .opsForList()
                .range(keys.archiveQueue(RedisKeys.shardOf(room)), 0, -1)
                .stream()
                .map(json -> JSON.readValue(json, ChatMessage.class))
                .filter(m -> m.room().equals(room))
                .forEach(m -> queued.computeIfAbsent(m.seq(), k -> new HashSet<>()).add(m.text()));
        assertThat(queued.keySet()).as("seqs in the archive queue").isEqualTo(acked.keySet());
        queued.forEach(
                (seq, texts) ->
                        assertThat(texts).as("seq %d", seq).containsExactly(acked.get(seq)));
        return acked;
    }

    /** Saves Redis's data now as the snapshot {@link #restartFromSnapshot} goes back to. */
    private static void takeSnapshot() throws Exception {
        assertThat(redis.command("SAVE")).isEqualTo("+OK");
        Files.copy(
                redisDir.resolve("dump.rdb"),
                redisDir.resolve("older.rdb"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** Kills Redis, starts it again from the last snapshot, and waits until node A met it. */
    private static void restartFromSnapshot() throws Exception {
        double restarts = restartsMet(nodeA);
        redis.kill();
        Files.copy(
                redisDir.resolve("older.rdb"),
                redisDir.resolve("dump.rdb"),
                StandardCopyOption.REPLACE_EXISTING);
        redis.startAgain();
        await().atMost(WAIT).until(() -> restartsMet(nodeA) > restarts);
    }

    private static StringRedisTemplate redisOf(ChatNode node) {
        return node.context.getBean(StringRedisTemplate.class);
    }

    private static double rewritten(ChatNode node) {
        return node.context
                .getBean(MeterRegistry.class)
                .counter("chatroom.messages.rewritten")
                .count();
    }

    private static void send(
            StompTestClient sender,
            String room,
            String text,
            Map<Long, String> acked,
            AtomicInteger twice,
            Set<String> otherErrors) {
        String body =
                JSON.writeValueAsString(
                        Map.of("clientMessageId", UUID.randomUUID().toString(), "text", text));
        SendAck ack = sendUntilAcked(sender, "/app/rooms/" + room, body, otherErrors);
        if (acked.put(ack.seq(), text) != null) {
            twice.incrementAndGet();
        }
    }

    /**
     * Sends until acked, retrying at once after {@code unavailable} with the same body (and so the
     * same clientMessageId), as the page does.
     */
    private static SendAck sendUntilAcked(
            StompTestClient sender, String destination, String body, Set<String> otherErrors) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            sender.send(destination, body);
            long attemptEnd = System.nanoTime() + ATTEMPT.toNanos();
            while (System.nanoTime() < attemptEnd) {
                StompTestClient.Frame ack = poll(sender.frames("acks"), Duration.ofMillis(20));
                if (ack != null) {
                    return JSON.readValue(ack.body(), SendAck.class);
                }
                StompTestClient.Frame error = sender.frames("errors").poll();
                if (error != null) {
                    String code = JSON.readValue(error.body(), ChatError.class).code();
                    if (!ErrorCodes.UNAVAILABLE.equals(code)) {
                        otherErrors.add(code);
                    }
                    sleep(Duration.ofMillis(50));
                    break;
                }
            }
        }
        throw new AssertionError("no ack within " + WAIT + " for " + body);
    }

    private static StompTestClient.Frame poll(
            BlockingQueue<StompTestClient.Frame> queue, Duration wait) {
        try {
            return queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the snapshot was not taken in " + WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double restartsMet(ChatNode node) {
        return node.context.getBean(MeterRegistry.class).counter("chatroom.redis.restarts").count();
    }
}
