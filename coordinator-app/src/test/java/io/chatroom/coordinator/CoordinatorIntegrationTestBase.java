package io.chatroom.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.common.ChatRules;
import io.chatroom.common.RedisKeys;
import io.chatroom.common.ServerHeartbeat;
import io.chatroom.testsupport.TestInfra;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * One real coordinator on a random port over real Redis and PostgreSQL, shared by every integration
 * test class (same configuration, so Spring caches one context). Each test starts with an empty
 * registry and no login-failure or registration counters.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "chatroom.registry.ttl=" + CoordinatorIntegrationTestBase.REGISTRY_TTL,
            "chatroom.auth.throttle.max-failures-per-username-and-address=5",
            "chatroom.auth.throttle.max-failures-per-address=8",
            "chatroom.auth.throttle.window=60s",
            "chatroom.auth.throttle.max-registrations-per-address="
                    + CoordinatorIntegrationTestBase.MAX_REGISTRATIONS,
            "chatroom.auth.throttle.registration-window=10m",
            // The tests' HTTP client is the proxy: X-Forwarded-For plays other client addresses.
            "chatroom.http.trusted-proxies=127.0.0.1",
            "chatroom.auth.epoch-check-interval=300ms"
        })
public abstract class CoordinatorIntegrationTestBase {
    /**
     * Short enough to watch a server expire within a test, long enough that a heartbeat sent just
     * before a login (which hashes with Argon2id) is still live on a slow, busy 2-core machine.
     */
    protected static final String REGISTRY_TTL = "12s";

    /** Registrations per address and window: more than any one test makes from 127.0.0.1. */
    protected static final int MAX_REGISTRATIONS = 10;

    protected static TestInfra.Env env;

    @DynamicPropertySource
    static void infra(DynamicPropertyRegistry registry) {
        env = TestInfra.register(registry);
    }

    @LocalServerPort protected int port;

    @Autowired protected StringRedisTemplate redis;

    @Autowired protected RedisKeys keys;

    protected TestHttp http;

    @BeforeEach
    void cleanSlate() {
        http = new TestHttp(port);
        Set<String> stale = new HashSet<>(redis.keys(keys.prefix() + ":{registry}:*"));
        stale.addAll(redis.keys(keys.prefix() + ":auth:failures:*"));
        stale.addAll(redis.keys(keys.prefix() + ":auth:registrations:*"));
        if (!stale.isEmpty()) {
            redis.delete(stale);
        }
    }

    protected Map<String, String> clusterKey() {
        return Map.of(ChatRules.CLUSTER_KEY_HEADER, env.clusterKey());
    }

    protected HttpResponse<String> heartbeat(TestHttp client, String id, int connections) {
        ServerHeartbeat hb =
                new ServerHeartbeat(
                        id,
                        "http://127.0.0.1:9/" + id,
                        "ws://127.0.0.1:9/" + id + "/ws",
                        "UP",
                        connections);
        return client.postJson("/api/servers/heartbeat", TestHttp.json(hb), clusterKey());
    }

    protected void heartbeat(String id, int connections) {
        assertThat(heartbeat(http, id, connections).statusCode()).isEqualTo(204);
    }

    protected static String uniqueUsername() {
        return "u" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    protected static String credentials(String username, String password) {
        return TestHttp.json(Map.of("username", username, "password", password));
    }

    protected void register(String username, String password) {
        assertThat(
                        http.postJson("/api/auth/register", credentials(username, password))
                                .statusCode())
                .isEqualTo(201);
    }

    /** Registers a fresh user, makes sure a server is live, logs in; returns the token. */
    protected String loggedInToken(TestHttp client) {
        String username = uniqueUsername();
        register(username, "correct horse battery");
        heartbeat("login-server", 0);
        HttpResponse<String> login =
                client.postJson("/api/auth/login", credentials(username, "correct horse battery"));
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        return TestHttp.json(login).get("token").asString();
    }

    /** Headers of a request that a trusted proxy forwarded for {@code address}. */
    protected static Map<String, String> from(String address) {
        return Map.of("X-Forwarded-For", address);
    }

    protected static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }
}
