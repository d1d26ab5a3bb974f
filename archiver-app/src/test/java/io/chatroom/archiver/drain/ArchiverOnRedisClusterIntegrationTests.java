package io.chatroom.archiver.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.archiver.ArchiverApplication;
import io.chatroom.common.ChatMessage;
import io.chatroom.common.RedisKeys;
import io.chatroom.testsupport.RedisCluster;
import io.chatroom.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * An archiver on a Redis Cluster of 3 masters, by {@code spring.data.redis.cluster.nodes} alone:
 * the 64 shard queues live on every master, and each message reaches PostgreSQL exactly once. (Two
 * archivers splitting the shards under leases: TwoArchiversIntegrationTests; the lease is a key of
 * the shard's slot, so it works the same on a cluster.)
 */
class ArchiverOnRedisClusterIntegrationTests {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final int ROOMS = 200;
    private static final int PER_ROOM = 10;

    @Test
    void theQueuesOnEveryMasterAreDrainedExactlyOnce() {
        Assumptions.assumeTrue(
                RedisCluster.unavailableReason().isEmpty(),
                () -> "skipped: " + RedisCluster.unavailableReason().orElse(""));
        TestInfra.Env env = TestInfra.newEnv();
        RedisKeys keys = new RedisKeys(env.keyPrefix());
        JsonMapper json = JsonMapper.builder().build();
        try (RedisCluster cluster = RedisCluster.start(3, 0);
                ConfigurableApplicationContext first = start(env, cluster)) {
            StringRedisTemplate redis = first.getBean(StringRedisTemplate.class);
            Set<Integer> masters = new HashSet<>();
            for (int r = 0; r < ROOMS; r++) {
                String room = "cl-" + r;
                String queue = keys.archiveQueue(RedisKeys.shardOf(room));
                masters.add(cluster.masterOf(queue));
                for (int seq = 1; seq <= PER_ROOM; seq++) {
                    ChatMessage m =
                            new ChatMessage(
                                    UUID.randomUUID().toString(),
                                    room,
                                    seq,
                                    "u",
                                    "t" + seq,
                                    Instant.parse("2025-01-01T00:00:00Z").plusMillis(seq));
                    redis.opsForList().rightPush(queue, json.writeValueAsString(m));
                }
            }
            assertThat(masters).hasSize(3);

            JdbcTemplate jdbc = first.getBean(JdbcTemplate.class);
            ArchiveQueue queue = first.getBean(ArchiveQueue.class);
            await().atMost(PATIENCE)
                    .until(
                            () ->
                                    jdbc.queryForObject(
                                                            "select count(*) from"
                                                                    + " archive.chat_message where"
                                                                    + " room like 'cl-%'",
                                                            Long.class)
                                                    == ROOMS * PER_ROOM
                                            && queue.backlog() == 0);
            double archived = counter(first.getBean(MeterRegistry.class));
            assertThat(archived).isEqualTo(ROOMS * PER_ROOM);
            Long complete =
                    jdbc.queryForObject(
                            "select count(*) from (select room from archive.chat_message where"
                                    + " room like 'cl-%' group by room having count(*) = ? and"
                                    + " min(seq) = 1 and max(seq) = ?) c",
                            Long.class, PER_ROOM, PER_ROOM);
            assertThat(complete).isEqualTo(ROOMS);
        }
    }

    private static double counter(MeterRegistry registry) {
        return registry.get("chatroom.archive.messages").counter().count();
    }

    private static ConfigurableApplicationContext start(TestInfra.Env env, RedisCluster cluster) {
        String[] args =
                Map.<String, Object>of(
                                "spring.data.redis.cluster.nodes",
                                cluster.nodesProperty(),
                                "spring.datasource.url",
                                env.database().jdbcUrl(),
                                "spring.datasource.username",
                                env.database().username(),
                                "spring.datasource.password",
                                env.database().password(),
                                "chatroom.redis.key-prefix",
                                env.keyPrefix(),
                                "chatroom.cluster-key",
                                env.clusterKey(),
                                "chatroom.backup.cron",
                                "-",
                                "chatroom.archive.poll-interval",
                                "50ms",
                                "server.port",
                                "0")
                        .entrySet()
                        .stream()
                        .map(e -> "--" + e.getKey() + "=" + e.getValue())
                        .toArray(String[]::new);
        return new SpringApplicationBuilder(ArchiverApplication.class).run(args);
    }
}
