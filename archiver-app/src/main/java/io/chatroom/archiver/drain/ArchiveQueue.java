package io.chatroom.archiver.drain;

import io.chatroom.common.RedisKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * The Redis side of the reliable queue: per shard a queue, filled at its tail by chat-apps and
 * drained from its head by the lease holder alone. A batch is read from the head and trimmed from
 * it only once committed, fenced by the lease token, so an archiver that lost its lease while
 * stalled can never drop another one's messages, and a crash in between leaves the batch at the
 * head for the next holder (the primary key makes the retry harmless). Each step runs for many
 * shards in one pipelined round trip, one script call per shard (a shard's keys share a hash tag,
 * so on a Redis Cluster each call goes to the shard's master).
 */
@Component
public class ArchiveQueue {
    /**
     * Takes (or keeps) the shard's lease, then returns {'L', entries...} when the processing list
     * still holds entries (the batch of an archiver from before the queue was read in place: it
     * goes first), else up to max entries from the head of the queue, left there until committed:
     * {'M', entries...}; {'X'} when another archiver holds the lease. Reading in place spares Redis
     * a copy of every message into a processing list and its removal (and their AOF writes).
     */
    private static final byte[] TAKE =
            bytes(
                    """
                    -- KEYS: 1 queue, 2 processing, 3 lease; ARGV: 1 token, 2 max, 3 lease ttl ms
                    local holder = redis.call('GET', KEYS[3])
                    if holder and holder ~= ARGV[1] then return {'X'} end
                    redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3])
                    local max = tonumber(ARGV[2])
                    local left = redis.call('LRANGE', KEYS[2], 0, max - 1)
                    if #left > 0 then
                      table.insert(left, 1, 'L')
                      return left
                    end
                    local head = redis.call('LRANGE', KEYS[1], 0, max - 1)
                    table.insert(head, 1, 'M')
                    return head
                    """);

    /**
     * Drops a committed batch from the head of its list (the queue, or the processing list for
     * left-overs) and renews the lease: 1, or 0 if lost. Only the lease holder removes from a head
     * and chat-apps only append, so while the lease was held the head is still the batch read.
     */
    private static final byte[] DONE =
            bytes(
                    """
                    -- KEYS: 1 queue or processing, 2 lease; ARGV: 1 token, 2 entries committed, 3 ttl ms
                    if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
                    redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
                    redis.call('PEXPIRE', KEYS[2], ARGV[3])
                    return 1
                    """);

    private static final byte[] RELEASE =
            bytes(
                    """
                    if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
                    return redis.call('DEL', KEYS[1])
                    """);

    private static final String LEFT_OVER = "L";
    private static final String MOVED = "M";

    /**
     * One shard's batch: the left-overs in the processing list, or the head of the queue.
     *
     * @param entries empty when the shard had nothing to take
     */
    record Batch(int shard, List<String> entries, boolean leftOver) {}

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

    /**
     * Takes a batch of up to {@code max} entries from each shard whose lease this archiver gets or
     * holds, in one round trip: left-overs in the processing list first, else the head of the
     * queue. Shards another archiver holds are left out.
     */
    List<Batch> take(List<Integer> shards, int max, String token, Duration ttl) {
        byte[] tokenArg = bytes(token);
        byte[] maxArg = bytes(Integer.toString(max));
        byte[] ttlArg = bytes(Long.toString(ttl.toMillis()));
        List<byte[][]> calls = new ArrayList<>(shards.size());
        for (int shard : shards) {
            calls.add(
                    new byte[][] {
                        bytes(keys.archiveQueue(shard)),
                        bytes(keys.archiveProcessing(shard)),
                        bytes(keys.archiveLease(shard)),
                        tokenArg,
                        maxArg,
                        ttlArg
                    });
        }
        List<Object> replies = evalEach(TAKE, ReturnType.MULTI, 3, calls);
        List<Batch> batches = new ArrayList<>(shards.size());
        for (int i = 0; i < shards.size(); i++) {
            Object raw = replies.get(i);
            if (!(raw instanceof List<?> reply) || reply.isEmpty()) {
                throw new IllegalStateException("unexpected reply to an archive take: " + raw);
            }
            String kind = text(reply.get(0));
            if (!LEFT_OVER.equals(kind) && !MOVED.equals(kind)) {
                continue; // another archiver holds the shard
            }
            List<String> entries = new ArrayList<>(reply.size() - 1);
            for (Object entry : reply.subList(1, reply.size())) {
                entries.add(text(entry));
            }
            batches.add(new Batch(shards.get(i), entries, LEFT_OVER.equals(kind)));
        }
        return batches;
    }

    /**
     * Drops each committed batch from the head it was read from and renews the shard's lease, in
     * one round trip.
     *
     * @return the shards whose lease this archiver still held (the others' batches stay in Redis
     *     for the new holder, whose retry the primary key makes harmless)
     */
    List<Integer> done(List<Batch> batches, String token, Duration ttl) {
        byte[] tokenArg = bytes(token);
        byte[] ttlArg = bytes(Long.toString(ttl.toMillis()));
        List<byte[][]> calls = new ArrayList<>(batches.size());
        for (Batch batch : batches) {
            calls.add(
                    new byte[][] {
                        bytes(
                                batch.leftOver()
                                        ? keys.archiveProcessing(batch.shard())
                                        : keys.archiveQueue(batch.shard())),
                        bytes(keys.archiveLease(batch.shard())),
                        tokenArg,
                        bytes(Integer.toString(batch.entries().size())),
                        ttlArg
                    });
        }
        List<Object> replies = evalEach(DONE, ReturnType.INTEGER, 2, calls);
        List<Integer> held = new ArrayList<>(batches.size());
        for (int i = 0; i < batches.size(); i++) {
            if (asLong(replies.get(i)) == 1) {
                held.add(batches.get(i).shard());
            }
        }
        return held;
    }

    /** Gives back the leases of the given shards that this archiver holds, in one round trip. */
    void release(Collection<Integer> shards, String token) {
        if (shards.isEmpty()) {
            return;
        }
        byte[] tokenArg = bytes(token);
        List<byte[][]> calls = new ArrayList<>(shards.size());
        for (int shard : shards) {
            calls.add(new byte[][] {bytes(keys.archiveLease(shard)), tokenArg});
        }
        evalEach(RELEASE, ReturnType.INTEGER, 1, calls);
    }

    void deadLetter(List<String> entries) {
        redis.opsForList().rightPushAll(deadLetterKey(), entries);
    }

    /** Runs the script once per keys-and-arguments array, all in one pipelined round trip. */
    private List<Object> evalEach(
            byte[] script, ReturnType type, int keyCount, List<byte[][]> calls) {
        return redis.executePipelined(
                (RedisCallback<Object>)
                        connection -> {
                            for (byte[][] keysAndArgs : calls) {
                                connection
                                        .scriptingCommands()
                                        .eval(script, type, keyCount, keysAndArgs);
                            }
                            return null;
                        });
    }

    private static void lLen(RedisConnection connection, String key) {
        connection.listCommands().lLen(bytes(key));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Object reply) {
        return reply instanceof byte[] raw
                ? new String(raw, StandardCharsets.UTF_8)
                : (String) reply;
    }

    private static long asLong(Object reply) {
        return reply instanceof Number n ? n.longValue() : 0;
    }
}
