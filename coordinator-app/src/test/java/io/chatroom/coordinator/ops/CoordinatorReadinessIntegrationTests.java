package io.chatroom.coordinator.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.coordinator.TestHttp;
import io.chatroom.testsupport.DatabaseGate;
import io.chatroom.testsupport.PrivateRedis;
import io.chatroom.testsupport.TestInfra;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Readiness follows Redis and PostgreSQL (DOWN while either is unreachable, UP when it is back)
 * while liveness stays UP throughout. The coordinator gets a Redis process of its own to stop and
 * start, and its own database to lock out. It also logs as JSON (ECS), as in production.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.data.redis.timeout=1s",
            "spring.data.redis.connect-timeout=1s",
            "spring.datasource.hikari.connection-timeout=1000",
            "logging.structured.format.console=ecs"
        })
@DirtiesContext
@ExtendWith(OutputCaptureExtension.class)
class CoordinatorReadinessIntegrationTests {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int OK = 200;
    private static final int UNAVAILABLE = 503;

    private static PrivateRedis redis;
    private static DatabaseGate database;

    @LocalServerPort private int port;
    private TestHttp http;

    @BeforeAll
    static void privateRedis() {
        redis = PrivateRedis.start();
    }

    @DynamicPropertySource
    static void infra(DynamicPropertyRegistry registry) {
        TestInfra.Env env = TestInfra.register(registry);
        // Registered after TestInfra's, so this Redis URL wins.
        registry.add("spring.data.redis.url", redis::url);
        database = new DatabaseGate(env.database());
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
        if (database != null && database.permitted()) {
            database.open();
        }
    }

    @BeforeEach
    void client() {
        http = new TestHttp(port);
        await().atMost(PATIENCE).untilAsserted(() -> assertProbe("readiness", OK, "UP"));
    }

    @Test
    void readinessIsDownWhileRedisIsAwayAndLivenessStaysUp() {
        redis.stop();
        try {
            await().atMost(PATIENCE)
                    .untilAsserted(() -> assertProbe("readiness", UNAVAILABLE, "DOWN"));
            assertProbe("liveness", OK, "UP");
            assertThat(component("redis")).isEqualTo("DOWN");
        } finally {
            redis.startAgain();
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertProbe("readiness", OK, "UP"));
        assertProbe("liveness", OK, "UP");
    }

    @Test
    void readinessIsDownWhilePostgresqlIsAwayAndLivenessStaysUp() {
        Assumptions.assumeTrue(
                database.permitted(), "the test role may not lock its database: skipped");
        database.close();
        try {
            await().atMost(PATIENCE)
                    .untilAsserted(() -> assertProbe("readiness", UNAVAILABLE, "DOWN"));
            assertProbe("liveness", OK, "UP");
            assertThat(component("db")).isEqualTo("DOWN");
        } finally {
            database.open();
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertProbe("readiness", OK, "UP"));
    }

    @Test
    void logsOneJsonObjectPerLineWhenAskedTo(CapturedOutput output) {
        // The context logged its startup before this test; log something now to capture a line.
        http.postJson("/api/auth/login", "{\"username\":\"nobody\",\"password\":\"wrong pw\"}");
        await().atMost(PATIENCE).until(() -> output.getOut().contains("login failed"));
        String line =
                output.getOut()
                        .lines()
                        .filter(l -> l.contains("login failed"))
                        .findFirst()
                        .orElseThrow();
        JsonNode event = JSON.readTree(line);
        assertThat(event.get("message").asString()).isEqualTo("login failed: nobody");
        assertThat(event.get("chatroom").get("user").asString()).isEqualTo("nobody");
        assertThat(event.get("service").get("name").asString()).isEqualTo("coordinator-app");
        assertThat(line).doesNotContain("wrong pw");
    }

    private void assertProbe(String probe, int status, String state) {
        HttpResponse<String> response = http.get("/actuator/health/" + probe);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(TestHttp.json(response).get("status").asString()).isEqualTo(state);
    }

    private String component(String name) {
        return TestHttp.json(http.get("/actuator/health/readiness"))
                .get("components")
                .get(name)
                .get("status")
                .asString();
    }
}
