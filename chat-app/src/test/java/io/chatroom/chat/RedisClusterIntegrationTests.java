package io.chatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatMessage;
import io.chatroom.common.ErrorCodes;
import io.chatroom.common.Presence;
import io.chatroom.common.RedisKeys;
import io.chatroom.common.SendAck;
import io.chatroom.testsupport.RedisCluster;
import io.chatroom.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two chat-apps on a Redis Cluster of 3 masters and 3 replicas, switched on by {@code
 * spring.data.redis.cluster.nodes} alone: rooms on every master relay between the servers over
 * sharded pub/sub (no classic subscription anywhere), presence crosses servers, a room whose slot
 * is moved to another master while a client sends loses nothing and is relayed from the new master,
 * and when a master is killed its replica takes over and the relay subscribes there.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterIntegrationTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration RECOVERY = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int MASTERS = 3;
    private static final int MESSAGES_PER_ROOM = 3;
    private static final int MOVING_MESSAGES = 60;

    private static RedisCluster cluster;
    private static FakeCoordinator coordinator;
    private static ChatNode nodeA;
    private static ChatNode nodeB;
    private static RedisKeys keys;
    private static Tokens tokens;

    @BeforeAll
    static void startCluster() {
        Assumptions.assumeTrue(
                RedisCluster.unavailableReason().isEmpty(),
                () -> "skipped: " + RedisCluster.unavailableReason().orElse(""));
        cluster = RedisCluster.start(MASTERS, 1);
        TestInfra.Env env = TestInfra.newEnv();
        keys = new RedisKeys(env.keyPrefix());
        tokens = new Tokens(env.authSecret());
        coordinator = new FakeCoordinator();
        Map<String, Object> onCluster =
                Map.of("spring.data.redis.cluster.nodes", cluster.nodesProperty());
        nodeA = ChatNode.start(env, "cluster-a", coordinator.url(), onCluster);
        nodeB = ChatNode.start(env, "cluster-b", coordinator.url(), onCluster);
    }

    @AfterAll
    static void stopCluster() {
        for (AutoCloseable c : new AutoCloseable[] {nodeA, nodeB, coordinator, cluster}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // Best effort.
                }
            }
        }
    }

    @Test
    @Order(1)
    void roomsOnEveryMasterRelayBetweenServersOverShardedPubSub() {
        Map<String, Integer> roomMasters = new LinkedHashMap<>();
        for (int i = 0; roomMasters.size() < 12; i++) {
            String room = "spread-" + i;
            roomMasters.put(room, cluster.masterOf(keys.roomSeq(room)));
        }
        assertThat(new HashSet<>(roomMasters.values())).hasSize(MASTERS);

        StompTestClient watcher = StompTestClient.connected(nodeB.wsUrl(), tokens.valid("watcher"));
        StompTestClient sender = StompTestClient.connected(nodeA.wsUrl(), tokens.valid("sender"));
        StompTestClient observer =
                StompTestClient.connected(nodeA.wsUrl(), tokens.valid("observer"));
        try {
            for (String room : roomMasters.keySet()) {
                watcher.subscribeAndWait(room, "/topic/rooms/" + room, Map.of());
            }
            String first = roomMasters.keySet().iterator().next();
            observer.subscribeAndWait("presence", "/topic/rooms/" + first + "/presence", Map.of());
            await().atMost(RECOVERY)
                    .until(
                            () ->
                                    JSON.readValue(observer.next("presence").body(), Presence.class)
                                            .users()
                                            .contains("watcher"));

            for (int n = 1; n <= MESSAGES_PER_ROOM; n++) {
                for (String room : roomMasters.keySet()) {
                    sender.send("/app/rooms/" + room, body(UUID.randomUUID().toString(), "m" + n));
                }
            }
            Set<Long> ackedSeqs = new HashSet<>();
            for (int i = 0; i < roomMasters.size() * MESSAGES_PER_ROOM; i++) {
                ackedSeqs.add(JSON.readValue(sender.next("acks").body(), SendAck.class).seq());
            }
            assertThat(ackedSeqs).containsExactlyInAnyOrder(1L, 2L, 3L);
            for (String room : roomMasters.keySet()) {
                List<Long> seqs = new ArrayList<>();
                for (int n = 1; n <= MESSAGES_PER_ROOM; n++) {
                    ChatMessage message =
                            JSON.readValue(watcher.next(room).body(), ChatMessage.class);
                    assertThat(message.room()).isEqualTo(room);
                    seqs.add(message.seq());
                }
                assertThat(seqs).as(room).containsExactly(1L, 2L, 3L);

                // The relay's channel lives on the room's master as a shard channel only.
                String channel = keys.roomChannel(room);
                int master = roomMasters.get(room);
                assertThat(count(cluster.cli(master, "pubsub", "shardnumsub", channel)))
                        .isPositive();
                assertThat(count(cluster.cli(master, "pubsub", "numsub", channel))).isZero();
            }
        } finally {
            watcher.close();
            sender.close();
            observer.close();
        }
    }

    @Test
    @Order(2)
    void aRoomWhoseSlotMovesUnderLoadLosesNothingAndTheRelayFollowsIt() throws Exception {
        String room = "moving";
        String channel = keys.roomChannel(room);
        int slot = cluster.slotOf(keys.roomSeq(room));
        int from = cluster.masterOf(keys.roomSeq(room));
        int to = cluster.masters().stream().filter(p -> p != from).findFirst().orElseThrow();
        StompTestClient watcher = StompTestClient.connected(nodeB.wsUrl(), tokens.valid("watcher"));
        StompTestClient sender = StompTestClient.connected(nodeA.wsUrl(), tokens.valid("sender"));
        ExecutorService sending = Executors.newSingleThreadExecutor();
        try {
            watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
            AtomicInteger acked = new AtomicInteger();
            Future<List<Long>> seqs =
                    sending.submit(
                            () -> {
                                List<Long> got = new ArrayList<>();
                                for (int i = 1; i <= MOVING_MESSAGES; i++) {
                                    got.add(sendUntilAcked(sender, room, "m" + i).seq());
                                    acked.incrementAndGet();
                                }
                                return got;
                            });
            await().atMost(RECOVERY).until(() -> acked.get() >= MOVING_MESSAGES / 4);
            cluster.moveSlot(slot, to);
            assertThat(cluster.masterOf(keys.roomSeq(room))).isEqualTo(to);

            // Each message acked once, numbered in the order it was sent, none lost.
            List<Long> expected = LongStream.rangeClosed(1, MOVING_MESSAGES).boxed().toList();
            assertThat(seqs.get(RECOVERY.toSeconds(), TimeUnit.SECONDS)).isEqualTo(expected);
            List<Long> relayed = new ArrayList<>();
            for (int i = 0; i < MOVING_MESSAGES; i++) {
                relayed.add(message(watcher).seq());
            }
            assertThat(relayed).isEqualTo(expected);
            // The relay left the old master and listens at the new one.
            await().atMost(RECOVERY)
                    .pollInterval(POLL)
                    .until(
                            () ->
                                    count(cluster.cli(to, "pubsub", "shardnumsub", channel)) == 1
                                            && count(
                                                            cluster.cli(
                                                                    from,
                                                                    "pubsub",
                                                                    "shardnumsub",
                                                                    channel))
                                                    == 0);
        } finally {
            sending.shutdownNow();
            watcher.close();
            sender.close();
        }
    }

    /**
     * The periodic re-sync reads every active room's counter in one MGET, which the cluster client
     * splits by slot: a last message lost on pub/sub in rooms on every master still arrives.
     */
    @Test
    @Order(1)
    void lastMessagesLostOnPubSubInRoomsOnEveryMasterAreRepairedByTheReSync() {
        Map<String, Integer> roomMasters = new LinkedHashMap<>();
        for (int i = 0; new HashSet<>(roomMasters.values()).size() < MASTERS; i++) {
            String room = "resync-" + i;
            roomMasters.put(room, cluster.masterOf(keys.roomSeq(room)));
        }
        StompTestClient watcher = StompTestClient.connected(nodeB.wsUrl(), tokens.valid("watcher"));
        try {
            for (String room : roomMasters.keySet()) {
                watcher.subscribeAndWait(room, "/topic/rooms/" + room, Map.of());
            }
            // Stored like an append, on the room's master, but never published.
            roomMasters.forEach(
                    (room, master) -> {
                        String json =
                                JSON.writeValueAsString(
                                        new ChatMessage(
                                                UUID.randomUUID().toString(),
                                                room,
                                                1,
                                                "ghost",
                                                "lost on pub/sub",
                                                Instant.now()));
                        assertThat(
                                        cluster.cli(
                                                        master,
                                                        "eval",
                                                        "local s = redis.call('INCR', KEYS[1])"
                                                                + " redis.call('ZADD', KEYS[2], s,"
                                                                + " ARGV[1]) return s",
                                                        "2",
                                                        keys.roomSeq(room),
                                                        keys.roomWindow(room),
                                                        json)
                                                .trim())
                                .isEqualTo("1");
                    });
            for (String room : roomMasters.keySet()) {
                ChatMessage repaired = JSON.readValue(watcher.next(room).body(), ChatMessage.class);
                assertThat(repaired.seq()).as(room).isEqualTo(1);
                assertThat(repaired.text()).isEqualTo("lost on pub/sub");
            }
        } finally {
            watcher.close();
        }
    }

    /**
     * The periodic revocation re-check asks Redis with one EXISTS over every open session's token
     * (split by slot on a cluster): a logout whose publish was missed still closes the session.
     */
    @Test
    @Order(1)
    void aRevocationWhosePublishWasMissedClosesTheSessionOnACluster() {
        List<String> tokenList = new ArrayList<>();
        Set<Integer> masters = new HashSet<>();
        for (int i = 0; masters.size() < MASTERS; i++) {
            String token = tokens.valid("leaver-" + i);
            tokenList.add(token);
            masters.add(cluster.masterOf(keys.revokedToken(Tokens.tokenId(token))));
        }
        List<StompTestClient> sessions = new ArrayList<>();
        try {
            for (String token : tokenList) {
                sessions.add(StompTestClient.connected(nodeA.wsUrl(), token));
            }
            String revoked = keys.revokedToken(Tokens.tokenId(tokenList.get(0)));
            cluster.cli(cluster.masterOf(revoked), "set", revoked, "1", "EX", "3600");

            StompTestClient leaver = sessions.get(0);
            assertThat(leaver.closed).succeedsWithin(Duration.ofSeconds(10));
            assertThat(leaver.nextControl().header("message")).isEqualTo("token revoked");
            for (StompTestClient other : sessions.subList(1, sessions.size())) {
                assertThat(other.closed).isNotDone();
            }
        } finally {
            sessions.forEach(StompTestClient::close);
        }
    }

    /**
     * While a room's slot is being moved its append script meets TRYAGAIN (its keys are split over
     * the two masters, and its idempotency key is new anyway); the server tries again until the
     * move completes instead of answering "unavailable".
     */
    @Test
    @Order(3)
    void aSendThatMeetsItsSlotHalfMovedIsAckedOnceTheMoveCompletes() {
        String room = "halfway";
        int slot = cluster.slotOf(keys.roomSeq(room));
        int from = cluster.masterOf(keys.roomSeq(room));
        int to = cluster.masters().stream().filter(p -> p != from).findFirst().orElseThrow();
        StompTestClient watcher = StompTestClient.connected(nodeB.wsUrl(), tokens.valid("watcher"));
        StompTestClient sender = StompTestClient.connected(nodeA.wsUrl(), tokens.valid("sender"));
        RedisCluster.SlotMove move = null;
        try {
            watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
            assertThat(sendUntilAcked(sender, room, "before").seq()).isEqualTo(1);
            assertThat(message(watcher).seq()).isEqualTo(1);
            double retriesBefore = slotRetries(nodeA);

            move = cluster.startSlotMove(slot, to);
            move.migrate(List.of(keys.roomSeq(room)));
            sender.send("/app/rooms/" + room, body(UUID.randomUUID().toString(), "during"));
            await().atMost(RECOVERY)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> slotRetries(nodeA) > retriesBefore);
            assertThat(sender.frames("acks")).as("acked before the move completed").isEmpty();
            move.finish();

            SendAck during = JSON.readValue(sender.next("acks").body(), SendAck.class);
            assertThat(during.seq()).isEqualTo(2);
            assertThat(sender.frames("errors")).as("error frames").isEmpty();
            ChatMessage relayed = message(watcher);
            assertThat(relayed.seq()).isEqualTo(2);
            assertThat(relayed.text()).isEqualTo("during");
            assertThat(cluster.masterOf(keys.roomSeq(room))).isEqualTo(to);
        } finally {
            if (move != null) {
                move.finish(); // never leave the slot half moved for the next test
            }
            watcher.close();
            sender.close();
        }
    }

    @Test
    @Order(4)
    void aKilledMastersReplicaTakesOverAndTheRelayFollowsItsChannels() {
        String room = "failover";
        String channel = keys.roomChannel(room);
        StompTestClient watcher = StompTestClient.connected(nodeB.wsUrl(), tokens.valid("watcher"));
        StompTestClient sender = StompTestClient.connected(nodeA.wsUrl(), tokens.valid("sender"));
        try {
            watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
            assertThat(sendUntilAcked(sender, room, "before").seq()).isEqualTo(1);
            assertThat(message(watcher).seq()).isEqualTo(1);

            int oldMaster = cluster.masterOf(keys.roomSeq(room));
            cluster.kill(oldMaster);
            cluster.awaitFailover(oldMaster, MASTERS);
            int newMaster = cluster.masterOf(keys.roomSeq(room));
            assertThat(newMaster).isNotEqualTo(oldMaster);

            // The relay re-subscribes at the promoted replica by itself.
            await().atMost(RECOVERY)
                    .pollInterval(POLL)
                    .until(
                            () -> cluster.cli(newMaster, "pubsub", "shardnumsub", channel),
                            out -> count(out) == 1);
            SendAck after = sendUntilAcked(sender, room, "after");
            assertThat(after.seq()).isEqualTo(2);
            ChatMessage relayed = message(watcher);
            assertThat(relayed.seq()).isEqualTo(2);
            assertThat(relayed.text()).isEqualTo("after");
        } finally {
            watcher.close();
            sender.close();
        }
    }

    private static SendAck sendUntilAcked(StompTestClient client, String room, String text) {
        return client.sendUntilAcked(
                "/app/rooms/" + room,
                body(UUID.randomUUID().toString(), text),
                RECOVERY,
                refused -> assertThat(refused.code()).isEqualTo(ErrorCodes.UNAVAILABLE));
    }

    /** The server's {@code chatroom.redis.slot.retries} counter. */
    private static double slotRetries(ChatNode node) {
        return node.context
                .getBean(MeterRegistry.class)
                .counter("chatroom.redis.slot.retries")
                .count();
    }

    /** The subscriber count in redis-cli's answer to PUBSUB (SHARD)NUMSUB of one channel. */
    private static int count(String out) {
        String[] lines = out.trim().split("\n");
        return Integer.parseInt(lines[lines.length - 1].trim());
    }

    private static String body(String clientMessageId, String text) {
        return JSON.writeValueAsString(Map.of("clientMessageId", clientMessageId, "text", text));
    }

    private static ChatMessage message(StompTestClient client) {
        return JSON.readValue(client.next("room").body(), ChatMessage.class);
    }
}
