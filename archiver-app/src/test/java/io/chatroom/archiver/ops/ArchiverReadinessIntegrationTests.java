package io.chatroom.archiver.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.testsupport.DatabaseGate;
import io.chatroom.testsupport.TestInfra;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Readiness is DOWN while the archiver's PostgreSQL database is unreachable and UP again when it is
 * back; liveness stays UP throughout. The database (its own, from TestInfra) is locked out by
 * refusing new connections and ending the open ones.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"chatroom.backup.cron=-", "spring.datasource.hikari.connection-timeout=1000"})
@DirtiesContext
class ArchiverReadinessIntegrationTests {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int OK = 200;
    private static final int UNAVAILABLE = 503;

    private static DatabaseGate database;
    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort private int port;

    @DynamicPropertySource
    static void infra(DynamicPropertyRegistry registry) {
        database = new DatabaseGate(TestInfra.register(registry).database());
    }

    @AfterAll
    static void reopen() {
        if (database != null && database.permitted()) {
            database.open();
        }
    }

    @Test
    void readinessIsDownWhilePostgresqlIsAwayAndLivenessStaysUp() throws Exception {
        Assumptions.assumeTrue(
                database.permitted(), "the test role may not lock its database: skipped");
        await().atMost(PATIENCE).untilAsserted(() -> assertProbe("readiness", OK, "UP"));
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
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(
                                        URI.create(
                                                "http://127.0.0.1:"
                                                        + port
                                                        + "/actuator/health/"
                                                        + probe))
                                .timeout(PATIENCE)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).get("status").asString()).isEqualTo(state);
    }
}
