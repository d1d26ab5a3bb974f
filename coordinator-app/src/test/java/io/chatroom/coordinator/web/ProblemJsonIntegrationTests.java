package io.chatroom.coordinator.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.coordinator.CoordinatorIntegrationTestBase;
import io.chatroom.coordinator.TestHttp;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Bad input of every kind gets a 4xx problem+json, never a 500 or a stack trace. */
class ProblemJsonIntegrationTests extends CoordinatorIntegrationTestBase {

    @Test
    void malformedJsonIs400() {
        assertProblem(http.postJson("/api/auth/register", "{\"username\": "), 400);
        assertProblem(http.postJson("/api/auth/login", "not json"), 400);
        assertProblem(http.postJson("/api/auth/register", ""), 400);
    }

    @Test
    void aMemberOfTheWrongTypeIsNamed() {
        HttpResponse<String> response =
                http.postJson("/api/auth/register", "{\"username\":{\"a\":1},\"password\":\"x\"}");
        assertProblem(response, 400);
        assertThat(TestHttp.json(response).get("field").asString()).isEqualTo("username");
    }

    @Test
    void wrongContentTypeIs415() {
        assertProblem(http.post("/api/auth/register", "text/plain", "username=a", Map.of()), 415);
    }

    @Test
    void oversizedBodiesAre413ByLengthAndWhenChunked() {
        String big = "{\"username\":\"" + "a".repeat(17 * 1024) + "\",\"password\":\"xxxxxxxx\"}";
        assertProblem(http.postJson("/api/auth/register", big), 413);
        assertProblem(
                http.postChunked("/api/auth/register", big.getBytes(StandardCharsets.UTF_8)), 413);

        // A small chunked body still works.
        HttpResponse<String> small =
                http.postChunked(
                        "/api/auth/register",
                        credentials(uniqueUsername(), "long enough")
                                .getBytes(StandardCharsets.UTF_8));
        assertThat(small.statusCode()).as(small.body()).isEqualTo(201);
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405() {
        assertProblem(http.get("/api/nope"), 404);
        assertProblem(http.get("/nope.js"), 404);
        assertProblem(http.method("PUT", "/api/auth/login"), 405);
        assertProblem(http.method("DELETE", "/api/servers"), 405);
    }

    @Test
    void publicPagesAndProbesAreServed() {
        HttpResponse<String> index = http.get("/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(http.get("/index.html").statusCode()).isEqualTo(200);

        HttpResponse<String> config = http.get("/api/config");
        assertThat(TestHttp.json(config).get("archiverUrl").asString())
                .isEqualTo("http://localhost:8090");

        assertThat(http.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        HttpResponse<String> readiness = http.get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        JsonNode components = TestHttp.json(readiness).get("components");
        assertThat(components.has("redis")).isTrue();
        assertThat(components.has("db")).isTrue();

        HttpResponse<String> prometheus = http.get("/actuator/prometheus");
        assertThat(prometheus.statusCode()).isEqualTo(200);
        assertThat(prometheus.body())
                .contains("chatroom_logins_total")
                .contains("chatroom_registrations_total")
                .contains("chatroom_servers_live");
        assertThat(http.get("/actuator/env").statusCode()).isIn(401, 403, 404);
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse(""))
                .startsWith("application/problem+json");
        assertThat(TestHttp.json(response).get("status").asInt()).isEqualTo(status);
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
