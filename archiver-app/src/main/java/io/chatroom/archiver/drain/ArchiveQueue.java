package io.chatroom.archiver.drain;

import io.chatroom.common.RedisKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.stereotype.Component;

/**
 * The Redis side of the reliable queue: per shard a queue (filled by chat-apps) and a processing
 * list (owned by the lease holder). Moves and removals are fenced by the lease token, so an
 * archiver that lost its lease while stalled can never move or drop another one's messages.
 */
@Component
public class ArchiveQueue {
    private static final DefaultRedisScript<List> MOVE =
            new DefaultRedisScript<>(
                    """
                    if redis.call('GET', KEYS[3]) ~= ARGV[1] then return false end
                    local moved = {}
                    for i = 1, tonumber(ARGV[2]) do
                      local v = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
                      if not v then break end
                      moved[#moved + 1] = v
                    end
                    return moved
                    """,
                    List.class);
    private static final DefaultRedisScript<Long> REMOVE =
            new DefaultRedisScript<>(
                    """
                    if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
                    redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
                    return 1
                    """,
                    Long.class);
    private static final DefaultRedisScript<Long> RENEW =
            new DefaultRedisScript<>(
                    """
                    if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
                    redis.call('PEXPIRE', KEYS[1], ARGV[2])
                    return 1
                    """,
                    Long.class);
    private static final DefaultRedisScript<Long> RELEASE =
            new DefaultRedisScript<>(
                    """
                    if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
                    return redis.call('DEL', KEYS[1])
                    """,
                    Long.class);

    private final StringRedisTemplate redis;
    private final RedisKeys keys;

    ArchiveQueue(StringRedisTemplate redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** Where malformed entries go, so they never block a shard. */
    public String deadLetterKey() {
        return keys.prefix() + ":archive:dead";
    }

    /** Queue plus processing length of each given shard, in one round trip. */
    long[] lengths(List<Integer> shards) {
        List<Object> replies =
                redis.executePipelined(
                        (RedisCallback<Object>)
                                connection -> {
                                    for (int shard : shards) {
                                        lLen(connection, keys.archiveQueue(shard));
                                        lLen(connection, keys.archiveProcessing(shard));
                                    }
                                    return null;
                                });
        long[] lengths = new long[shards.size()];
        for (int i = 0; i < shards.size(); i++) {
            lengths[i] = asLong(replies.get(2 * i)) + asLong(replies.get(2 * i + 1));
        }
        return lengths;
    }

    /** Messages not yet committed to PostgreSQL, over every shard. */
    public long backlog() {
        List<Integer> all = new ArrayList<>(RedisKeys.SHARDS);
        for (int shard = 0; shard < RedisKeys.SHARDS; shard++) {
            all.add(shard);
        }
        long total = 0;
        for (long length : lengths(all)) {
            total += length;
        }
        return total;
    }

    boolean acquireLease(int shard, String token, Duration ttl) {
        return Boolean.TRUE.equals(
                redis.opsForValue().setIfAbsent(keys.archiveLease(shard), token, ttl));
    }

    boolean renewLease(int shard, String token, Duration ttl) {
        return Long.valueOf(1)
                .equals(
                        redis.execute(
                                RENEW,
                                List.of(keys.archiveLease(shard)),
                                token,
                                Long.toString(ttl.toMillis())));
    }

    void releaseLease(int shard, String token) {
        redis.execute(RELEASE, List.of(keys.archiveLease(shard)), token);
    }

    /** The oldest entries a crashed or interrupted batch left in the processing list. */
    List<String> leftOver(int shard, int max) {
        List<String> entries = redis.opsForList().range(keys.archiveProcessing(shard), 0, max - 1);
        return entries == null ? List.of() : entries;
    }

    /**
     * Moves up to {@code max} entries from the queue to the processing list in one atomic call.
     *
     * @return the moved entries, or null when this archiver no longer holds the shard's lease
     */
    @SuppressWarnings("unchecked")
    List<String> move(int shard, int max, String token) {
        return (List<String>)
                redis.execute(
                        MOVE,
                        List.of(
                                keys.archiveQueue(shard),
                                keys.archiveProcessing(shard),
                                keys.archiveLease(shard)),
                        token,
                        Integer.toString(max));
    }

    /** Drops the first {@code count} processing entries; false when the lease was lost. */
    boolean removeProcessed(int shard, int count, String token) {
        return Long.valueOf(1)
                .equals(
                        redis.execute(
                                REMOVE,
                                List.of(keys.archiveProcessing(shard), keys.archiveLease(shard)),
                                token,
                                Integer.toString(count)));
    }

    void deadLetter(List<String> entries) {
        redis.opsForList().rightPushAll(deadLetterKey(), entries);
    }

    private static void lLen(RedisConnection connection, String key) {
        connection.listCommands().lLen(key.getBytes(StandardCharsets.UTF_8));
    }

    private static long asLong(Object reply) {
        return reply instanceof Number n ? n.longValue() : 0;
    }
}
