package io.chatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.common.RedisKeys;
import io.chatroom.testsupport.TestInfra;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.messaging.simp.user.SimpUserRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What operators rely on: JSON logs (ECS, as in production) whose lines name the session, user and
 * room of the frame being handled and hold no token or secret even at DEBUG, readiness that follows
 * Redis (and not PostgreSQL), and the delivery-latency histogram the dashboard queries.
 */
@ExtendWith(OutputCaptureExtension.class)
class ChatOperationsIntegrationTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void connectChatRefuseAndRevokeLogContextButNoTokenOrSecret(CapturedOutput output)
            throws Exception {
        TestInfra.Env env = TestInfra.newEnv();
        Tokens tokens = new Tokens(env.authSecret());
        String token = tokens.valid("log-watcher");
        String forged = new Tokens("another-secret-that-is-long-enough-0123456789").valid("x");
        try (FakeCoordinator coordinator = new FakeCoordinator();
                ChatNode node =
                        ChatNode.start(
                                env,
                                "ops-node",
                                coordinator.url(),
                                Map.of(
                                        "logging.structured.format.console", "ecs",
                                        "logging.level.io.chatroom", "DEBUG",
                                        "logging.level.org.springframework.web.socket", "DEBUG",
                                        "logging.level.org.springframework.messaging", "DEBUG"))) {
            StompTestClient client = StompTestClient.connected(node.wsUrl(), token);
            client.subscribeAndWait("room", "/topic/rooms/ops", Map.of());
            client.send(
                    "/app/rooms/ops",
                    JSON.writeValueAsString(
                            Map.of("clientMessageId", UUID.randomUUID().toString(), "text", "hi")));
            assertThat(client.next("acks").body()).contains("\"seq\":1");
            assertThat(client.next("room").body()).contains("\"text\":\"hi\"");
            String session =
                    node.context
                            .getBean(SimpUserRegistry.class)
                            .getUser("log-watcher")
                            .getSessions()
                            .iterator()
                            .next()
                            .getId();
            // The frame's own line, then the SEND handler's, both on the receiving thread; ECS
            // nests the MDC keys chatroom.* under "chatroom".
            for (String message : new String[] {"inbound SEND", "SEND to room ops"}) {
                JsonNode context = loggedEvent(output, message).path("chatroom");
                assertThat(context.path("user").asString()).as(message).isEqualTo("log-watcher");
                assertThat(context.path("room").asString()).as(message).isEqualTo("ops");
                assertThat(context.path("session").asString()).as(message).isEqualTo(session);
            }

            StompTestClient refused = StompTestClient.open(node.wsUrl(), null);
            assertThat(refused.connect(forged).command()).isEqualTo("ERROR");

            // What the coordinator's logout does.
            RedisKeys keys = new RedisKeys(env.keyPrefix());
            StringRedisTemplate redis = node.context.getBean(StringRedisTemplate.class);
            String tokenId = Tokens.tokenId(token);
            redis.opsForValue().set(keys.revokedToken(tokenId), "1", Duration.ofHours(1));
            redis.convertAndSend(keys.revocationChannel(), tokenId);
            assertThat(client.closed).succeedsWithin(WAIT);

            JsonNode readiness = JSON.readTree(get(node, "/actuator/health/readiness").body());
            assertThat(readiness.get("status").asString()).isEqualTo("UP");
            assertThat(readiness.get("components").has("redis")).isTrue();
            assertThat(readiness.get("components").has("db"))
                    .as("PostgreSQL is only needed to reseed a lost room counter")
                    .isFalse();
            assertThat(get(node, "/actuator/health/liveness").statusCode()).isEqualTo(200);
            assertThat(get(node, "/actuator/prometheus").body())
                    .contains("chatroom_delivery_latency_seconds_bucket")
                    .contains("chatroom_messages_published_total")
                    .contains("chatroom_messages_forwarded_total")
                    .contains("chatroom_sessions")
                    .contains("chatroom_relay_gap_repairs_total");
        }

        String logged = output.getAll();
        for (String jwt : new String[] {token, forged}) {
            assertThat(logged)
                    .doesNotContain(jwt)
                    .doesNotContain(jwt.substring(jwt.lastIndexOf('.') + 1));
        }
        assertThat(logged).doesNotContain(env.authSecret()).doesNotContain(env.clusterKey());
    }

    /** The first JSON log line whose message starts with the given text. */
    private static JsonNode loggedEvent(CapturedOutput output, String message) {
        return output.getOut()
                .lines()
                .filter(line -> line.startsWith("{") && line.contains(message))
                .map(JSON::readTree)
                .filter(event -> event.path("message").asString("").startsWith(message))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no JSON log line '" + message + "'"));
    }

    private static HttpResponse<String> get(ChatNode node, String path)
            throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                                .timeout(WAIT)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
