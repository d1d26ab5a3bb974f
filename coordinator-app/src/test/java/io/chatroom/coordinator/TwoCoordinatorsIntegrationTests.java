package io.chatroom.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.coordinator.auth.TokenService;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.security.oauth2.jwt.Jwt;
import tools.jackson.databind.JsonNode;

/**
 * A second coordinator over the same Redis, database and key prefix answers like the first: the
 * registry, assignments, logouts and throttling counters are shared, and revocations survive a
 * Redis wipe.
 */
class TwoCoordinatorsIntegrationTests extends CoordinatorIntegrationTestBase {
    private static ConfigurableApplicationContext second;
    private static TestHttp secondHttp;

    /** Started on first use: the shared test context (and its stores) must exist first. */
    @BeforeEach
    void startSecondCoordinator() {
        if (second != null) {
            return;
        }
        second =
                new SpringApplicationBuilder(CoordinatorApplication.class)
                        // Command-line arguments: they outrank application.yaml, as in production.
                        .run(
                                "--server.port=0",
                                "--spring.data.redis.url=" + env.redisUrl(),
                                "--spring.datasource.url=" + env.database().jdbcUrl(),
                                "--spring.datasource.username=" + env.database().username(),
                                "--spring.datasource.password=" + env.database().password(),
                                "--chatroom.redis.key-prefix=" + env.keyPrefix(),
                                "--chatroom.auth.secret=" + env.authSecret(),
                                "--chatroom.cluster-key=" + env.clusterKey(),
                                "--chatroom.registry.ttl=" + REGISTRY_TTL,
                                "--chatroom.auth.throttle.max-failures-per-username-and-address=5",
                                "--chatroom.auth.throttle.max-failures-per-address=8",
                                "--chatroom.auth.throttle.max-registrations-per-address="
                                        + MAX_REGISTRATIONS,
                                "--chatroom.http.trusted-proxies=127.0.0.1",
                                "--chatroom.auth.epoch-check-interval=300ms");
        int port = ((WebServerApplicationContext) second).getWebServer().getPort();
        secondHttp = new TestHttp(port);
    }

    @AfterAll
    static void stopSecondCoordinator() {
        if (second != null) {
            second.close();
        }
    }

    @Test
    void bothCoordinatorsListAndAssignTheSameServers() {
        heartbeat("a", 4);
        assertThat(heartbeat(secondHttp, "b", 1).statusCode()).isEqualTo(204);

        JsonNode first = TestHttp.json(http.get("/api/servers"));
        JsonNode other = TestHttp.json(secondHttp.get("/api/servers"));
        assertThat(first).hasSize(2);
        assertThat(other).isEqualTo(first);

        assertThat(secondHttp.delete("/api/servers/b", clusterKey()).statusCode()).isEqualTo(204);
        assertThat(TestHttp.json(http.get("/api/servers"))).hasSize(1);
    }

    @Test
    void aLogoutOnOneCoordinatorIsHonouredByTheOther() throws Exception {
        BlockingQueue<String> published = new LinkedBlockingQueue<>();
        RedisMessageListenerContainer listener = new RedisMessageListenerContainer();
        listener.setConnectionFactory(second.getBean(RedisConnectionFactory.class));
        listener.addMessageListener(
                (message, pattern) -> published.add(new String(message.getBody())),
                new ChannelTopic(keys.revocationChannel()));
        listener.afterPropertiesSet();
        listener.start();
        try {
            String token = loggedInToken(http);
            Map<String, String> auth = bearer(token);
            assertThat(secondHttp.get("/api/chat-server", auth).statusCode()).isEqualTo(200);

            assertThat(http.postJson("/api/auth/logout", "", auth).statusCode()).isEqualTo(204);

            HttpResponse<String> refused = secondHttp.get("/api/chat-server", auth);
            assertThat(refused.statusCode()).isEqualTo(401);
            String jti = jtiOf(token);
            assertThat(published.poll(10, TimeUnit.SECONDS)).isEqualTo(jti);
            Long ttl = redis.getExpire(keys.revokedToken(jti));
            assertThat(ttl).isPositive().isLessThanOrEqualTo(Duration.ofHours(8).toSeconds());
        } finally {
            listener.stop();
            listener.destroy();
        }
    }

    @Test
    void revocationsComeBackAfterRedisLosesItsData() {
        String token = loggedInToken(http);
        assertThat(http.postJson("/api/auth/logout", "", bearer(token)).statusCode())
                .isEqualTo(204);
        String jti = jtiOf(token);

        // Wipe this test run's keys, as a Redis restart without persistence would.
        Set<String> all = new HashSet<>(redis.keys(keys.prefix() + ":*"));
        redis.delete(all);
        assertThat(redis.hasKey(keys.revokedToken(jti))).isFalse();

        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(
                        () -> {
                            assertThat(redis.hasKey(keys.epoch())).isTrue();
                            assertThat(redis.hasKey(keys.revokedToken(jti))).isTrue();
                        });
        assertThat(secondHttp.get("/api/chat-server", bearer(token)).statusCode()).isEqualTo(401);
    }

    @Test
    void throttlingCountsAttemptsOnEveryCoordinator() {
        String username = uniqueUsername();
        register(username, "correct horse battery");
        heartbeat("s1", 0);
        Map<String, String> attacker = from("203.0.113.9");
        String wrong = credentials(username, "wrong password");
        for (int i = 0; i < 5; i++) {
            TestHttp coordinator = i % 2 == 0 ? http : secondHttp;
            assertThat(coordinator.postJson("/api/auth/login", wrong, attacker).statusCode())
                    .isEqualTo(401);
        }
        assertThat(http.postJson("/api/auth/login", wrong, attacker).statusCode()).isEqualTo(429);
        assertThat(secondHttp.postJson("/api/auth/login", wrong, attacker).statusCode())
                .isEqualTo(429);

        Map<String, String> flooder = from("203.0.113.10");
        for (int i = 0; i < MAX_REGISTRATIONS; i++) {
            TestHttp coordinator = i % 2 == 0 ? http : secondHttp;
            String body = credentials(uniqueUsername(), "correct horse battery");
            assertThat(coordinator.postJson("/api/auth/register", body, flooder).statusCode())
                    .isEqualTo(201);
        }
        String more = credentials(uniqueUsername(), "correct horse battery");
        assertThat(http.postJson("/api/auth/register", more, flooder).statusCode()).isEqualTo(429);
        assertThat(secondHttp.postJson("/api/auth/register", more, flooder).statusCode())
                .isEqualTo(429);
    }

    private String jtiOf(String token) {
        Jwt jwt = second.getBean(TokenService.class).verify(token);
        return jwt.getId();
    }
}
