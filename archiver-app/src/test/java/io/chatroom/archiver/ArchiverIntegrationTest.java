package io.chatroom.archiver;

import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatMessage;
import io.chatroom.common.RedisKeys;
import io.chatroom.testsupport.TestInfra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * One shared application context on real Redis and PostgreSQL for every integration test class,
 * with helpers to feed the archive queue the way chat-apps do and to wait for the archive.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "chatroom.backup.cron=-",
            "chatroom.archive.poll-interval=50ms",
            "chatroom.archive.error-backoff=100ms",
            "chatroom.archive.lease-ttl=5s"
        })
public abstract class ArchiverIntegrationTest {
    public static final Duration PATIENCE = Duration.ofSeconds(60);
    protected static final Path BACKUP_DIR = newBackupDir();
    protected static TestInfra.Env env;

    @Autowired protected StringRedisTemplate redis;
    @Autowired protected JdbcTemplate jdbc;
    @Autowired protected JsonMapper json;
    @Autowired protected RedisKeys keys;
    @LocalServerPort protected int port;

    protected final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void infra(DynamicPropertyRegistry registry) {
        env = TestInfra.register(registry);
        registry.add("chatroom.backup.dir", BACKUP_DIR::toString);
    }

    /** Command-line arguments that point another archiver at the same stores. */
    protected static String[] sameStoresArgs() {
        return Map.<String, Object>of(
                        "spring.data.redis.url",
                        env.redisUrl(),
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
                        "chatroom.backup.dir",
                        BACKUP_DIR.toString(),
                        "server.port",
                        "0")
                .entrySet()
                .stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
    }

    protected static List<ChatMessage> messages(String room, int from, int count) {
        List<ChatMessage> list = new ArrayList<>(count);
        Instant start = Instant.parse("2025-01-01T00:00:00.123Z");
        for (int seq = from; seq < from + count; seq++) {
            list.add(
                    new ChatMessage(
                            UUID.randomUUID().toString(),
                            room,
                            seq,
                            "user" + (seq % 7),
                            "hello <b>" + seq + "</b> ü",
                            start.plusMillis(seq)));
        }
        return list;
    }

    /** RPUSH each message as JSON onto its shard's queue, pipelined, like chat-apps do. */
    protected void push(List<ChatMessage> list) {
        List<String[]> entries = new ArrayList<>(list.size());
        for (ChatMessage m : list) {
            entries.add(
                    new String[] {
                        keys.archiveQueue(RedisKeys.shardOf(m.room())), json.writeValueAsString(m)
                    });
        }
        pushRaw(entries);
    }

    protected void pushRaw(List<String[]> keyAndValue) {
        redis.executePipelined(
                (RedisCallback<Object>)
                        connection -> {
                            for (String[] kv : keyAndValue) {
                                connection
                                        .listCommands()
                                        .rPush(
                                                kv[0].getBytes(StandardCharsets.UTF_8),
                                                kv[1].getBytes(StandardCharsets.UTF_8));
                            }
                            return null;
                        });
    }

    protected long archivedCount(String roomPrefix) {
        Long count =
                jdbc.queryForObject(
                        "select count(*) from archive.chat_message where room like ?",
                        Long.class,
                        roomPrefix + "%");
        return count == null ? 0 : count;
    }

    protected long backlog() {
        long total = 0;
        for (int shard = 0; shard < RedisKeys.SHARDS; shard++) {
            Long q = redis.opsForList().size(keys.archiveQueue(shard));
            Long p = redis.opsForList().size(keys.archiveProcessing(shard));
            total += (q == null ? 0 : q) + (p == null ? 0 : p);
        }
        return total;
    }

    protected void awaitArchived(String roomPrefix, long expected) {
        await().atMost(PATIENCE)
                .until(() -> archivedCount(roomPrefix) == expected && backlog() == 0);
    }

    protected HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    protected URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    protected HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path newBackupDir() {
        try {
            Path dir = Files.createTempDirectory("archiver-backups");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
