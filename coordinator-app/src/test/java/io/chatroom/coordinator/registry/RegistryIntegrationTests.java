package io.chatroom.coordinator.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatRules;
import io.chatroom.coordinator.CoordinatorIntegrationTestBase;
import io.chatroom.coordinator.TestHttp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Heartbeats, expiry, deregistration and assignment against a running coordinator. */
class RegistryIntegrationTests extends CoordinatorIntegrationTestBase {

    @Test
    void heartbeatsNeedTheClusterKey() {
        String body =
                "{\"id\":\"x\",\"httpUrl\":\"http://h:1\",\"wsUrl\":\"ws://h:1/ws\","
                        + "\"status\":\"UP\",\"connections\":0}";
        HttpResponse<String> missing = http.postJson("/api/servers/heartbeat", body);
        HttpResponse<String> wrong =
                http.postJson(
                        "/api/servers/heartbeat",
                        body,
                        Map.of(ChatRules.CLUSTER_KEY_HEADER, env.clusterKey() + "x"));
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("Content-Type").orElse(""))
                .startsWith("application/problem+json");
        assertThat(TestHttp.json(http.get("/api/servers"))).isEmpty();

        assertThat(http.delete("/api/servers/x", Map.of()).statusCode()).isEqualTo(401);
    }

    @Test
    void invalidHeartbeatsAreRefusedNamingTheField() {
        String body =
                "{\"id\":\"x\",\"httpUrl\":\"javascript:alert(1)\",\"wsUrl\":\"ws://h:1/ws\","
                        + "\"status\":\"UP\",\"connections\":0}";
        HttpResponse<String> response = http.postJson("/api/servers/heartbeat", body, clusterKey());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(TestHttp.json(response).get("field").asString()).isEqualTo("httpUrl");

        HttpResponse<String> negative =
                http.postJson(
                        "/api/servers/heartbeat",
                        body.replace("javascript:alert(1)", "http://h:1")
                                .replace("\"connections\":0", "\"connections\":-1"),
                        clusterKey());
        assertThat(TestHttp.json(negative).get("field").asString()).isEqualTo("connections");
    }

    @Test
    void listsLiveServersWithTheirHeartbeat() {
        Instant before = Instant.now().minusSeconds(1);
        heartbeat("a", 3);
        HttpResponse<String> response = http.get("/api/servers");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode servers = TestHttp.json(response);
        assertThat(servers).hasSize(1);
        JsonNode a = servers.get(0);
        assertThat(a.get("id").asString()).isEqualTo("a");
        assertThat(a.get("httpUrl").asString()).isEqualTo("http://127.0.0.1:9/a");
        assertThat(a.get("wsUrl").asString()).isEqualTo("ws://127.0.0.1:9/a/ws");
        assertThat(a.get("status").asString()).isEqualTo("UP");
        assertThat(a.get("connections").asInt()).isEqualTo(3);
        assertThat(Instant.parse(a.get("lastHeartbeat").asString()))
                .isBetween(before, Instant.now().plusSeconds(1));
    }

    @Test
    void aServerWhoseHeartbeatsStopExpiresAfterTheTtl() {
        heartbeat("fading", 0);
        heartbeat("steady", 0);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(
                        () -> {
                            heartbeat("steady", 0);
                            JsonNode servers = TestHttp.json(http.get("/api/servers"));
                            assertThat(servers).hasSize(1);
                            assertThat(servers.get(0).get("id").asString()).isEqualTo("steady");
                        });
        // Pruned from Redis too, not only hidden.
        assertThat(redis.opsForHash().hasKey(keys.serverRegistry(), "fading")).isFalse();
    }

    @Test
    void aServerThatDeregistersIsGoneAtOnce() {
        heartbeat("leaving", 0);
        assertThat(http.delete("/api/servers/leaving", clusterKey()).statusCode()).isEqualTo(204);
        assertThat(TestHttp.json(http.get("/api/servers"))).isEmpty();
    }

    @Test
    void assignmentSpreadsClientsOverThreeServers() {
        String token = loggedInToken(http);
        redis.delete(keys.serverPending());
        heartbeat("a", 5);
        heartbeat("b", 0);
        heartbeat("c", 2);
        heartbeat("login-server", 100);

        Map<String, Integer> picks = new HashMap<>();
        for (int i = 0; i < 11; i++) {
            HttpResponse<String> response = http.get("/api/chat-server", bearer(token));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            picks.merge(TestHttp.json(response).get("id").asString(), 1, Integer::sum);
        }
        // 5, 0 and 2 connections plus 11 new clients level out at 6 each.
        assertThat(picks).containsOnly(Map.entry("a", 1), Map.entry("b", 6), Map.entry("c", 4));

        // A heartbeat reports real connections again and replaces what was handed out.
        heartbeat("a", 0);
        heartbeat("b", 9);
        heartbeat("c", 9);
        JsonNode next = TestHttp.json(http.get("/api/chat-server", bearer(token)));
        assertThat(next.get("id").asString()).isEqualTo("a");
    }

    @Test
    void failOverExcludesTheFailedServerAndOnlyPicksUpServers() {
        String token = loggedInToken(http);
        heartbeat("login-server", 100);
        heartbeat("failed", 0);
        heartbeat("other", 50);
        assertThat(
                        http.postJson(
                                        "/api/servers/heartbeat",
                                        "{\"id\":\"down\",\"httpUrl\":\"http://h:1\","
                                                + "\"wsUrl\":\"ws://h:1/ws\",\"status\":\"DOWN\","
                                                + "\"connections\":0}",
                                        clusterKey())
                                .statusCode())
                .isEqualTo(204);

        HttpResponse<String> response = http.get("/api/chat-server?exclude=failed", bearer(token));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = TestHttp.json(response);
        assertThat(body.get("id").asString()).isEqualTo("other");
        assertThat(body.get("wsUrl").asString()).isEqualTo("ws://127.0.0.1:9/other/ws");
        assertThat(body.has("status")).isFalse();
    }

    @Test
    void noLiveServerIs503() {
        String token = loggedInToken(http);
        http.delete("/api/servers/login-server", clusterKey());
        heartbeat("only", 0);
        HttpResponse<String> response = http.get("/api/chat-server?exclude=only", bearer(token));
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type").orElse(""))
                .startsWith("application/problem+json");
    }
}
