package io.chatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatError;
import io.chatroom.common.ChatMessage;
import io.chatroom.common.ErrorCodes;
import io.chatroom.common.SendAck;
import io.chatroom.testsupport.PrivateRedis;
import io.chatroom.testsupport.TestInfra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code chatroom.durability.replicas=1} on a master with one replica: a SEND is acked only once
 * the replica has it, concurrent SENDs share WAITs instead of one each, and while the replica is
 * gone SENDs are answered {@code unavailable}; the client's retry with the same clientMessageId,
 * once the replica is back, is acked with the seq the message got the first time.
 */
class DurableAcksIntegrationTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final int SENDERS = 8;
    private static final int PER_SENDER = 10;

    @Test
    void acksWaitForTheReplicaAndAreRefusedWithoutIt() throws Exception {
        TestInfra.Env env = TestInfra.newEnv();
        Tokens tokens = new Tokens(env.authSecret());
        String room = "durable";
        String dest = "/app/rooms/" + room;
        try (FakeCoordinator coordinator = new FakeCoordinator();
                PrivateRedis master = PrivateRedis.start();
                PrivateRedis replica = PrivateRedis.startReplicaOf(master);
                ChatNode node =
                        ChatNode.start(
                                env,
                                "node-durable",
                                coordinator.url(),
                                Map.of(
                                        "spring.data.redis.url",
                                        master.url(),
                                        "chatroom.durability.replicas",
                                        "1",
                                        "chatroom.durability.wait-timeout",
                                        "500ms",
                                        // No periodic re-sync: a message reaches the watcher
                                        // only if it is published.
                                        "chatroom.relay.sync-interval",
                                        "1h"))) {
            StringRedisTemplate redis = node.context.getBean(StringRedisTemplate.class);
            awaitReplicas(redis, 1);
            StompTestClient watcher =
                    StompTestClient.connected(node.wsUrl(), tokens.valid("watcher"));
            watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());

            List<StompTestClient> senders = new ArrayList<>();
            for (int i = 0; i < SENDERS; i++) {
                senders.add(StompTestClient.connected(node.wsUrl(), tokens.valid("sender-" + i)));
            }
            // A first message, acked: SENDs on a Redis process the servers meet for the first time
            // are held until the restart fence opens, and then go one by one (no batch to share a
            // WAIT); the burst below must meet an open fence.
            sendUntilAcked(senders.get(0), dest, body(UUID.randomUUID().toString(), "first"));
            assertThat(message(watcher).seq()).isEqualTo(1);
            long waitsBefore = waitCalls(redis);
            for (int n = 0; n < PER_SENDER; n++) {
                for (StompTestClient sender : senders) {
                    sender.send(dest, body(UUID.randomUUID().toString(), "m" + n));
                }
            }
            Set<Long> acked = new HashSet<>();
            for (StompTestClient sender : senders) {
                for (int n = 0; n < PER_SENDER; n++) {
                    acked.add(JSON.readValue(sender.next("acks").body(), SendAck.class).seq());
                }
            }
            int messages = SENDERS * PER_SENDER + 1;
            assertThat(acked).hasSize(messages - 1);
            for (long seq = 2; seq <= messages; seq++) {
                assertThat(message(watcher).seq()).isEqualTo(seq);
            }
            long waits = waitCalls(redis) - waitsBefore;
            // One WAIT covers every write before it: fewer WAITs than messages.
            assertThat(waits).isPositive().isLessThan(messages - 1);

            replica.stop();
            awaitReplicas(redis, 0);
            StompTestClient sender = senders.get(0);
            String id = UUID.randomUUID().toString();
            sender.send(dest, body(id, "needs a replica"));
            ChatError refused = JSON.readValue(sender.next("errors").body(), ChatError.class);
            assertThat(refused.code()).isEqualTo(ErrorCodes.UNAVAILABLE);
            assertThat(refused.clientMessageId()).isEqualTo(id);
            assertThat(sender.frames("acks")).isEmpty();

            replica.startAgain();
            awaitReplicas(redis, 1);
            // The retry finds the stored message (it may have been stored) and acks its seq; it
            // publishes it too, since the first attempt, refused, did not.
            SendAck retried = sendUntilAcked(sender, dest, body(id, "needs a replica"));
            assertThat(retried.seq()).isEqualTo(messages + 1);
            ChatMessage delivered = message(watcher);
            assertThat(delivered.seq()).isEqualTo(messages + 1);
            assertThat(delivered.text()).isEqualTo("needs a replica");
            watcher.close();
            senders.forEach(StompTestClient::close);
        }
    }

    private static void awaitReplicas(StringRedisTemplate redis, int replicas) {
        await().atMost(PATIENCE)
                .until(
                        () -> info(redis, "replication").getProperty("connected_slaves"),
                        v -> v != null && Integer.parseInt(v.trim()) == replicas);
        if (replicas > 0) {
            // Connected is not yet in sync: wait until the replica acknowledges an offset.
            await().atMost(PATIENCE)
                    .until(
                            () -> info(redis, "replication").getProperty("slave0"),
                            v -> v != null && v.contains("state=online"));
        }
    }

    private static long waitCalls(StringRedisTemplate redis) {
        String stats = info(redis, "commandstats").getProperty("cmdstat_wait");
        if (stats == null) {
            return 0;
        }
        // calls=12,usec=...
        return Long.parseLong(stats.split(",")[0].substring("calls=".length()));
    }

    private static Properties info(StringRedisTemplate redis, String section) {
        return redis.execute((RedisCallback<Properties>) c -> c.serverCommands().info(section));
    }

    private static SendAck sendUntilAcked(StompTestClient client, String dest, String body) {
        return client.sendUntilAcked(dest, body, PATIENCE, refused -> {});
    }

    private static String body(String clientMessageId, String text) {
        return JSON.writeValueAsString(Map.of("clientMessageId", clientMessageId, "text", text));
    }

    private static ChatMessage message(StompTestClient client) {
        return JSON.readValue(client.next("room").body(), ChatMessage.class);
    }
}
