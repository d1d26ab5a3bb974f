package io.chatroom.coordinator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.common.MetricSamples;
import io.chatroom.common.ServerHeartbeat;
import io.chatroom.common.ServerMetrics;
import io.chatroom.coordinator.CoordinatorIntegrationTestBase;
import io.chatroom.coordinator.TestHttp;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.script.RedisScript;
import tools.jackson.databind.JsonNode;

/**
 * The dashboard's metric history: samples arrive with heartbeats (and from archivers, straight into
 * Redis) and come back from {@code GET /api/metrics} with Redis's time, each once.
 */
class MetricsIntegrationTests extends CoordinatorIntegrationTestBase {
    private String id;

    @BeforeEach
    void cleanMetrics() {
        Set<String> stale = redis.keys(keys.prefix() + ":{metrics}:*");
        if (!stale.isEmpty()) {
            redis.delete(stale);
        }
        id = "m-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private HttpResponse<String> heartbeat(ServerMetrics metrics) {
        ServerHeartbeat heartbeat =
                new ServerHeartbeat(
                        id, "http://127.0.0.1:9/", "ws://127.0.0.1:9/ws", "UP", 3, metrics);
        return http.postJson("/api/servers/heartbeat", TestHttp.json(heartbeat), clusterKey());
    }

    private JsonNode chatServer(JsonNode summary) {
        for (JsonNode server : summary.get("chatServers")) {
            if (server.get("id").asString().equals(id)) {
                return server;
            }
        }
        return null;
    }

    @Test
    void heartbeatsBecomeSamplesEachStoredOnce() {
        ServerMetrics first = new ServerMetrics(1_000, 5, 50, 4.5, 0.25);
        assertThat(heartbeat(first).statusCode()).isEqualTo(204);
        // The same heartbeat again (as a second coordinator would store it): no second sample.
        assertThat(heartbeat(first).statusCode()).isEqualTo(204);
        assertThat(heartbeat(new ServerMetrics(3_000, 9, 90, null, 0.5)).statusCode())
                .isEqualTo(204);

        JsonNode summary = TestHttp.json(http.get("/api/metrics"));
        JsonNode server = chatServer(summary);
        assertThat(server).isNotNull();
        assertThat(server.get("live").asBoolean()).isTrue();
        assertThat(summary.get("historyMillis").asLong()).isEqualTo(15 * 60 * 1000);
        assertThat(summary.get("staleAfterMillis").asLong()).isEqualTo(6000);
        JsonNode samples = server.get("samples");
        assertThat(samples).hasSize(2);
        JsonNode sample = samples.get(0);
        assertThat(sample.get("at").asLong()).isEqualTo(1_000);
        assertThat(sample.get("status").asString()).isEqualTo("UP");
        assertThat(sample.get("connections").asInt()).isEqualTo(3);
        assertThat(sample.get("published").asLong()).isEqualTo(5);
        assertThat(sample.get("forwarded").asLong()).isEqualTo(50);
        assertThat(sample.get("deliveryP99Ms").asDouble()).isEqualTo(4.5);
        assertThat(sample.get("redisRttMs").asDouble()).isEqualTo(0.25);
        assertThat(samples.get(1).get("deliveryP99Ms").isNull()).isTrue();
        long now = summary.get("now").asLong();
        assertThat(sample.get("time").asLong()).isBetween(now - 60_000, now);
        assertThat(samples.get(1).get("time").asLong())
                .isGreaterThanOrEqualTo(sample.get("time").asLong());
        assertThat(server.get("lastSample").asLong())
                .isEqualTo(samples.get(1).get("time").asLong());

        // since = the previous answer's now: only what came after.
        JsonNode nothingNew = TestHttp.json(http.get("/api/metrics?since=" + now));
        assertThat(chatServer(nothingNew).get("samples")).isEmpty();
        assertThat(heartbeat(new ServerMetrics(5_000, 10, 100, 1.0, 0.5)).statusCode())
                .isEqualTo(204);
        JsonNode next = TestHttp.json(http.get("/api/metrics?since=" + now));
        assertThat(chatServer(next).get("samples")).hasSize(1);
        assertThat(chatServer(next).get("samples").get(0).get("at").asLong()).isEqualTo(5_000);
    }

    @Test
    void heartbeatsWithoutMetricsAddNoSample() {
        ServerHeartbeat plain =
                new ServerHeartbeat(id, "http://127.0.0.1:9/", "ws://127.0.0.1:9/ws", "UP", 1);
        assertThat(
                        http.postJson("/api/servers/heartbeat", TestHttp.json(plain), clusterKey())
                                .statusCode())
                .isEqualTo(204);
        assertThat(chatServer(TestHttp.json(http.get("/api/metrics")))).isNull();
    }

    @Test
    void invalidMetricsAreRefusedNamingTheField() {
        HttpResponse<String> negative = heartbeat(new ServerMetrics(1_000, -1, 0, null, null));
        assertThat(negative.statusCode()).isEqualTo(400);
        assertThat(TestHttp.json(negative).get("field").asString()).isEqualTo("metrics.published");
        HttpResponse<String> latency = heartbeat(new ServerMetrics(1_000, 0, 0, -2.0, null));
        assertThat(TestHttp.json(latency).get("field").asString())
                .isEqualTo("metrics.deliveryP99Ms");
        assertThat(http.get("/api/metrics?since=yesterday").statusCode()).isEqualTo(400);
        assertThat(http.get("/api/metrics?since=-5").statusCode()).isEqualTo(400);
    }

    @Test
    void archiversSamplesAreServedAndGoStaleWhenTheyStop() {
        MetricSamples samples = new MetricSamples(keys);
        String source = MetricSamples.source(MetricSamples.ARCHIVER, "host:8090");
        redis.execute(
                RedisScript.of(MetricSamples.APPEND_SCRIPT, Long.class),
                List.of(samples.samples(source), samples.sources()),
                "{\"at\":1,\"lag\":7,\"archived\":42}",
                source,
                "900000");

        JsonNode archivers = TestHttp.json(http.get("/api/metrics")).get("archivers");
        assertThat(archivers).hasSize(1);
        JsonNode archiver = archivers.get(0);
        assertThat(archiver.get("id").asString()).isEqualTo("host:8090");
        assertThat(archiver.get("live").asBoolean()).isTrue();
        assertThat(archiver.get("samples").get(0).get("lag").asLong()).isEqualTo(7);

        // Its newest sample is older than staleAfter (6 s): no longer live, samples still there.
        redis.opsForZSet().incrementScore(samples.sources(), source, -7000);
        JsonNode stale = TestHttp.json(http.get("/api/metrics")).get("archivers").get(0);
        assertThat(stale.get("live").asBoolean()).isFalse();
        assertThat(stale.get("samples")).hasSize(1);
    }
}
