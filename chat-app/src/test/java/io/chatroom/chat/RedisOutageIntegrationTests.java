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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * A chat-app whose Redis goes away: SENDs are refused with {@code unavailable} within seconds (no
 * hang, no silent drop), and once Redis is back (empty, as after a wipe) the same app acks with the
 * next seq and its subscribers resume, without a restart.
 */
class RedisOutageIntegrationTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration FAIL_FAST = Duration.ofSeconds(8);
    private static final Duration RECOVERY = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);

    @Test
    void sendsFailFastWhileRedisIsDownAndWorkAgainWhenItReturns() {
        int port = freePort();
        TestInfra.Env env = TestInfra.newEnv();
        RedisKeys keys = new RedisKeys(env.keyPrefix());
        Tokens tokens = new Tokens(env.authSecret());
        String room = "outage";
        String dest = "/app/rooms/" + room;
        try (FakeCoordinator coordinator = new FakeCoordinator();
                PrivateRedis privateRedis = PrivateRedis.start(port)) {
            ChatNode node =
                    ChatNode.start(
                            env,
                            "node-outage",
                            coordinator.url(),
                            Map.of("spring.data.redis.url", privateRedis.url()));
            StompTestClient watcher = null;
            StompTestClient sender = null;
            try {
                StringRedisTemplate redis = node.context.getBean(StringRedisTemplate.class);
                watcher = StompTestClient.connected(node.wsUrl(), tokens.valid("outage-watcher"));
                watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
                sender = StompTestClient.connected(node.wsUrl(), tokens.valid("outage-sender"));
                sender.send(dest, body(UUID.randomUUID().toString(), "before"));
                assertThat(ack(sender).seq()).isEqualTo(1);
                assertThat(message(watcher).seq()).isEqualTo(1);
                String epochBefore =
                        await().atMost(RECOVERY)
                                .until(() -> redis.opsForValue().get(keys.epoch()), e -> e != null);

                privateRedis.kill();
                String lostId = UUID.randomUUID().toString();
                long start = System.nanoTime();
                sender.send(dest, body(lostId, "while down"));
                ChatError refused = JSON.readValue(sender.next("errors").body(), ChatError.class);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(refused.code()).isEqualTo(ErrorCodes.UNAVAILABLE);
                assertThat(refused.clientMessageId()).isEqualTo(lostId);
                assertThat(took).isLessThan(FAIL_FAST);
                assertThat(sender.frames("acks")).isEmpty();
                // Coordinators are told, so they stop sending clients here.
                awaitHeartbeat(coordinator, "DOWN");

                privateRedis.startAgain();
                // As a client would: retry with the same clientMessageId until acked.
                SendAck acked = sendUntilAcked(sender, dest, body(lostId, "while down"));
                // Redis came back empty; the counter resumes above what this server gave out.
                assertThat(acked.seq()).isEqualTo(2);
                ChatMessage resumed = message(watcher);
                assertThat(resumed.seq()).isEqualTo(2);
                assertThat(resumed.text()).isEqualTo("while down");
                // The wiped epoch is replaced (by the next epoch check) with a new random value,
                // not a constant.
                String epochAfter =
                        await().atMost(RECOVERY)
                                .until(() -> redis.opsForValue().get(keys.epoch()), e -> e != null);
                assertThat(epochAfter).isNotEqualTo(epochBefore);
                awaitHeartbeat(coordinator, "UP");
                StompTestClient late =
                        StompTestClient.connected(node.wsUrl(), tokens.valid("late-comer"));
                late.close();
            } finally {
                if (watcher != null) {
                    watcher.close();
                }
                if (sender != null) {
                    sender.close();
                }
                node.close();
            }
        }
    }

    /** Waits for a heartbeat sent after now that carries {@code status}. */
    private static void awaitHeartbeat(FakeCoordinator coordinator, String status) {
        int seen = coordinator.requests.size();
        await().atMost(RECOVERY)
                .until(
                        () ->
                                coordinator.requests.stream()
                                        .skip(seen)
                                        .anyMatch(
                                                r ->
                                                        r.path().equals("/api/servers/heartbeat")
                                                                && r.body()
                                                                        .contains(
                                                                                "\"status\":\""
                                                                                        + status
                                                                                        + "\"")));
    }

    /** Each attempt ends with an ack or an unavailable error (~2 s). */
    private static SendAck sendUntilAcked(StompTestClient client, String dest, String body) {
        return client.sendUntilAcked(
                dest,
                body,
                RECOVERY,
                refused -> assertThat(refused.code()).isEqualTo(ErrorCodes.UNAVAILABLE));
    }

    private static String body(String clientMessageId, String text) {
        return JSON.writeValueAsString(Map.of("clientMessageId", clientMessageId, "text", text));
    }

    private static SendAck ack(StompTestClient client) {
        return JSON.readValue(client.next("acks").body(), SendAck.class);
    }

    private static ChatMessage message(StompTestClient client) {
        return JSON.readValue(client.next("room").body(), ChatMessage.class);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
