package io.chatroom.chat.messaging;

import io.chatroom.chat.config.ChatroomProperties;
import io.chatroom.common.ErrorCodes;
import io.chatroom.common.RedisKeys;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * A room's log in Redis: one Lua call per message assigns the next seq and Redis's time, adds it to
 * the room's window, the archive queue and the room's channel, and remembers the client's message
 * id, all or nothing. A missing counter is seeded from the higher of the archive's high-water mark
 * and the highest seq this server has acked or forwarded in the room, and a counter found below the
 * latter is raised, so a room's seq does not go back after Redis lost data.
 */
@Component
public class RoomLog {
    private static final Logger log = LoggerFactory.getLogger(RoomLog.class);
    private static final long NEW_MESSAGE = 1;
    private static final long RETRY = 2;

    /** Seeding happens once per room; a second NOSEQ right after means a concurrent wipe. */
    private static final int MAX_SEED_ATTEMPTS = 3;

    private static final String ARCHIVE_MAX_SEQ =
            "select coalesce(max(seq), 0) from archive.chat_message where room = ?";

    private final StringRedisTemplate redis;
    private final JdbcTemplate jdbc;
    private final RedisKeys keys;
    private final JsonMapper json;
    private final DefaultRedisScript<List> appendScript;
    private final DefaultRedisScript<Long> raiseScript;

    /** Room -> highest seq this server acked or forwarded; outlives a Redis wipe. */
    private final Map<String, Long> highestSeen = new ConcurrentHashMap<>();

    private final String windowSize;
    private final String idempotencyTtlSeconds;
    private final Timer redisLatency;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    RoomLog(
            StringRedisTemplate redis,
            JdbcTemplate jdbc,
            RedisKeys keys,
            JsonMapper json,
            ChatroomProperties properties,
            MeterRegistry meters) {
        this.redis = redis;
        this.jdbc = jdbc;
        this.keys = keys;
        this.json = json;
        this.appendScript = script("scripts/append-message.lua", List.class);
        this.raiseScript = script("scripts/raise-seq.lua", Long.class);
        this.windowSize = Integer.toString(properties.windowSize());
        this.idempotencyTtlSeconds = Long.toString(properties.idempotencyTtl().toSeconds());
        this.redisLatency =
                Timer.builder("chatroom.redis.latency")
                        .description("one append call to Redis")
                        .publishPercentiles(0.5, 0.99)
                        .register(meters);
    }

    /**
     * Loads a script's text once: a script built from a resource location re-reads the resource's
     * modification time (inside the jar) on every call to compute its SHA, which cost more CPU than
     * the rest of a SEND.
     */
    private static <T> DefaultRedisScript<T> script(String path, Class<T> resultType) {
        try {
            return new DefaultRedisScript<>(
                    new ClassPathResource(path).getContentAsString(StandardCharsets.UTF_8),
                    resultType);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** The seq a message got, and whether it was a retry of an already stored message. */
    public record Appended(long seq, boolean retry) {}

    /**
     * @throws ChatException with code {@code unavailable} when Redis (or, for a room's first
     *     message after a wipe, PostgreSQL) cannot be reached
     */
    public Appended append(String room, String sender, String clientMessageId, String text) {
        if (draining) {
            throw new ChatException(
                    ErrorCodes.UNAVAILABLE, "server is shutting down, reconnect", clientMessageId);
        }
        inFlight.incrementAndGet();
        try {
            List<String> scriptKeys =
                    List.of(
                            // Scoped by sender: nobody can suppress another user's message by
                            // reusing its clientMessageId.
                            keys.idempotency(room, sender + ":" + clientMessageId),
                            keys.roomSeq(room),
                            keys.roomWindow(room),
                            keys.archiveQueue(RedisKeys.shardOf(room)));
            String id = UUID.randomUUID().toString();
            String senderJson = json.writeValueAsString(sender);
            String textJson = json.writeValueAsString(text);
            for (int attempt = 0; attempt < MAX_SEED_ATTEMPTS; attempt++) {
                List<?> result =
                        redisLatency.record(
                                () ->
                                        redis.execute(
                                                appendScript,
                                                scriptKeys,
                                                id,
                                                room,
                                                senderJson,
                                                textJson,
                                                windowSize,
                                                idempotencyTtlSeconds,
                                                keys.roomChannel(room)));
                long kind = ((Number) result.get(0)).longValue();
                long seq = ((Number) result.get(1)).longValue();
                if (kind == NEW_MESSAGE || kind == RETRY) {
                    noteSeq(room, seq);
                    return new Appended(seq, kind == RETRY);
                }
                seedCounter(room, clientMessageId);
            }
            throw new ChatException(
                    ErrorCodes.UNAVAILABLE,
                    "room counter could not be initialised",
                    clientMessageId);
        } catch (DataAccessException e) {
            log.warn("append to room {} failed: {}", room, e.toString());
            throw new ChatException(
                    ErrorCodes.UNAVAILABLE, "message store unavailable, retry", clientMessageId);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void seedCounter(String room, String clientMessageId) {
        long archived;
        try {
            archived = jdbc.queryForObject(ARCHIVE_MAX_SEQ, Long.class, room);
        } catch (BadSqlGrammarException e) {
            // No archive schema yet: nothing was ever archived.
            archived = 0;
        } catch (DataAccessException e) {
            log.warn("cannot read archive high-water mark of room {}: {}", room, e.toString());
            throw new ChatException(
                    ErrorCodes.UNAVAILABLE, "archive unavailable, retry", clientMessageId);
        }
        long seed = Math.max(archived, highestSeen(room));
        Boolean seeded = redis.opsForValue().setIfAbsent(keys.roomSeq(room), Long.toString(seed));
        // A new room starts at 0 quietly; a higher seed means Redis lost a counter.
        if (Boolean.TRUE.equals(seeded) && seed > 0) {
            log.warn(
                    "seq counter of room {} was missing (Redis lost data?); seeded at {}",
                    room,
                    seed);
        }
    }

    /** Remembers that {@code seq} was given out in the room (acked or forwarded by this server). */
    public void noteSeq(String room, long seq) {
        highestSeen.merge(room, seq, Math::max);
    }

    /** The highest seq this server acked or forwarded in the room since it started, 0 if none. */
    public long highestSeen(String room) {
        return highestSeen.getOrDefault(room, 0L);
    }

    /**
     * Raises the room's counter to at least {@code atLeast} if it exists and is lower (Redis came
     * back with older data); returns whether it was raised.
     */
    public boolean raiseCounter(String room, long atLeast) {
        Long raised =
                redis.execute(raiseScript, List.of(keys.roomSeq(room)), Long.toString(atLeast));
        if (raised != null && raised == 1) {
            log.warn(
                    "seq counter of room {} was below seqs already given out; raised to {}",
                    room,
                    atLeast);
            return true;
        }
        return false;
    }

    /** The last seq given out in the room, 0 when none. */
    public long currentSeq(String room) {
        String value = redis.opsForValue().get(keys.roomSeq(room));
        return value == null ? 0 : Long.parseLong(value);
    }

    /** Messages with {@code fromSeq <= seq <= toSeq} still in the window, oldest first. */
    public Set<String> window(String room, long fromSeq, long toSeq) {
        if (toSeq < fromSeq) {
            return Set.of();
        }
        Set<String> range = redis.opsForZSet().rangeByScore(keys.roomWindow(room), fromSeq, toSeq);
        return range == null ? Set.of() : range;
    }

    /** Refuse new sends and wait up to {@code timeoutMillis} for the running ones. */
    public void drain(long timeoutMillis) throws InterruptedException {
        draining = true;
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
    }
}
