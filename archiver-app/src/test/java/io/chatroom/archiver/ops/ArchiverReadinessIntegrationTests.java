package io.chatroom.archiver.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.testsupport.DatabaseGate;
import io.chatroom.testsupport.PrivateRedis;
import io.chatroom.testsupport.TestInfra;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Readiness is DOWN while the archiver's PostgreSQL database or its Redis is unreachable and UP
 * again when it is back; liveness stays UP throughout. The database (its own, from TestInfra) is
 * locked out by refusing new connections and ending the open ones; Redis is a server of this class
 * alone, stopped and started again on the same port. The Redis timeout is shortened so the probe
 * answers DOWN at once: with the archiver's default (Lettuce's 60 s) it hangs until then, which a
 * probe's own timeout reports as not ready.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "chatroom.backup.cron=-",
            "spring.datasource.hikari.connection-timeout=1000",
            "spring.data.redis.timeout=2s",
            "spring.data.redis.connect-timeout=1s"
        })
@DirtiesContext
class ArchiverReadinessIntegrationTests {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int OK = 200;
    private static final int UNAVAILABLE = 503;

    private static DatabaseGate database;
    private static PrivateRedis redis;
    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort private int port;

    @BeforeAll
    static void privateRedis() {
        redis = PrivateRedis.start();
    }

    @DynamicPropertySource
    static void infra(DynamicPropertyRegistry registry) {
        database = new DatabaseGate(TestInfra.register(registry).database());
        // Registered after TestInfra's, so this Redis URL wins.
        registry.add("spring.data.redis.url", redis::url);
    }

    @AfterAll
    static void reopen() {
        if (redis != null) {
            redis.close();
        }
        if (database != null && database.permitted()) {
            database.open();
        }
    }

    @BeforeEach
    void ready() {
        await().atMost(PATIENCE).untilAsserted(() -> assertProbe("readiness", OK, "UP"));
    }

    @Test
    void readinessIsDownWhileRedisIsAwayAndLivenessStaysUp() throws Exception {
        redis.stop();
        try {
            await().atMost(PATIENCE)
                    .untilAsserted(() -> assertProbe("readiness", UNAVAILABLE, "DOWN"));
            assertProbe("liveness", OK, "UP");
            assertThat(readinessComponent("redis")).isEqualTo("DOWN");
            assertThat(readinessComponent("db")).isEqualTo("UP");
        } finally {
            redis.startAgain();
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertProbe("readiness", OK, "UP"));
        assertProbe("liveness", OK, "UP");
    }

    @Test
    void readinessIsDownWhilePostgresqlIsAwayAndLivenessStaysUp() throws Exception {
        Assumptions.assumeTrue(
                database.permitted(), "the test role may not lock its database: skipped");
        database.close();
        try {
            await().atMost(PATIENCE)
                    .untilAsserted(() -> assertProbe("readiness", UNAVAILABLE, "DOWN"));
            assertProbe("liveness", OK, "UP");
        } finally {
            database.open();
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertProbe("readiness", OK, "UP"));
        assertProbe("liveness", OK, "UP");
    }

    private void assertProbe(String probe, int status, String state)
            throws IOException, InterruptedException {
        HttpResponse<String> response = probe(probe);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).get("status").asString()).isEqualTo(state);
    }

    private String readinessComponent(String name) throws IOException, InterruptedException {
        return JSON.readTree(probe("readiness").body())
                .get("components")
                .get(name)
                .get("status")
                .asString();
    }

    private HttpResponse<String> probe(String probe) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(
                                URI.create(
                                        "http://127.0.0.1:" + port + "/actuator/health/" + probe))
                        .timeout(PATIENCE)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
