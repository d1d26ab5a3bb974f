package io.chatroom.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.common.ChatRules;
import io.chatroom.common.RedisKeys;
import io.chatroom.common.ServerHeartbeat;
import io.chatroom.testsupport.RedisCluster;
import io.chatroom.testsupport.TestInfra;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A coordinator on a Redis Cluster, by {@code spring.data.redis.cluster.nodes} alone: the
 * registry's scripts (several keys, one {@code {registry}} slot) list and assign servers, login and
 * logout work, and a logout is announced with SPUBLISH, where chat-apps on a cluster listen.
 */
class CoordinatorOnRedisClusterIntegrationTests {

    @Test
    void registryLoginAndLogoutWorkAndLogoutsAreShardPublished() throws Exception {
        Assumptions.assumeTrue(
                RedisCluster.unavailableReason().isEmpty(),
                () -> "skipped: " + RedisCluster.unavailableReason().orElse(""));
        TestInfra.Env env = TestInfra.newEnv();
        RedisKeys keys = new RedisKeys(env.keyPrefix());
        try (RedisCluster cluster = RedisCluster.start(3, 0);
                ConfigurableApplicationContext app =
                        new SpringApplicationBuilder(CoordinatorApplication.class)
                                .run(
                                        "--server.port=0",
                                        "--spring.data.redis.cluster.nodes="
                                                + cluster.nodesProperty(),
                                        "--spring.datasource.url=" + env.database().jdbcUrl(),
                                        "--spring.datasource.username=" + env.database().username(),
                                        "--spring.datasource.password=" + env.database().password(),
                                        "--chatroom.redis.key-prefix=" + env.keyPrefix(),
                                        "--chatroom.auth.secret=" + env.authSecret(),
                                        "--chatroom.cluster-key=" + env.clusterKey())) {
            RedisClusterClient client =
                    RedisClusterClient.create(
                            Arrays.stream(cluster.nodesProperty().split(","))
                                    .map(n -> RedisURI.create("redis://" + n))
                                    .toList());
            StatefulRedisClusterPubSubConnection<String, String> pubSub = client.connectPubSub();
            BlockingQueue<String> revoked = new LinkedBlockingQueue<>();
            pubSub.addListener(
                    new RedisClusterPubSubAdapter<>() {
                        @Override
                        public void smessage(RedisClusterNode node, String channel, String msg) {
                            revoked.add(msg);
                        }
                    });
            pubSub.sync().ssubscribe(keys.revocationChannel());
            try {
                TestHttp http =
                        new TestHttp(((WebServerApplicationContext) app).getWebServer().getPort());
                Map<String, String> clusterKey =
                        Map.of(ChatRules.CLUSTER_KEY_HEADER, env.clusterKey());
                ServerHeartbeat heartbeat =
                        new ServerHeartbeat(
                                "chat-x", "http://127.0.0.1:9/x", "ws://127.0.0.1:9/x/ws", "UP", 0);
                assertThat(
                                http.postJson(
                                                "/api/servers/heartbeat",
                                                TestHttp.json(heartbeat),
                                                clusterKey)
                                        .statusCode())
                        .isEqualTo(204);
                assertThat(TestHttp.json(http.get("/api/servers")).get(0).get("id").asString())
                        .isEqualTo("chat-x");

                String credentials =
                        TestHttp.json(
                                Map.of("username", "clusteruser", "password", "correct horse 1"));
                assertThat(http.postJson("/api/auth/register", credentials).statusCode())
                        .isBetween(200, 201);
                HttpResponse<String> login = http.postJson("/api/auth/login", credentials);
                assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
                assertThat(TestHttp.json(login).get("chatServer").get("id").asString())
                        .isEqualTo("chat-x");
                String token = TestHttp.json(login).get("token").asString();
                Map<String, String> bearer = Map.of("Authorization", "Bearer " + token);

                assertThat(http.postJson("/api/auth/logout", "", bearer).statusCode())
                        .isEqualTo(204);
                assertThat(revoked.poll(10, TimeUnit.SECONDS)).isNotBlank();
                assertThat(http.get("/api/chat-server", bearer).statusCode()).isEqualTo(401);
            } finally {
                pubSub.close();
                client.shutdown();
            }
        }
    }
}
