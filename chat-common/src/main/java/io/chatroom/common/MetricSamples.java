package io.chatroom.common;

/**
 * Where the dashboard's metric samples live in Redis, shared by the apps that write them (the
 * coordinator for chat servers, from their heartbeats; each archiver for itself) and the
 * coordinator that serves them. Per source (a kind and an id) a sorted set holds sample JSON scored
 * by Redis's time of writing, trimmed to the history window; an index of sources, scored by their
 * newest sample, says which sources to read. Every key carries the hash tag {@code {metrics}}, so
 * one script touches one Redis Cluster slot.
 */
public final class MetricSamples {
    /** Kind of source: a chat server (id = its server id). */
    public static final String CHAT_SERVER = "chat";

    /** Kind of source: an archiver (id = its host and port). */
    public static final String ARCHIVER = "archiver";

    /**
     * Appends one sample. KEYS[1] = the source's samples, KEYS[2] = the source index; ARGV[1] = the
     * sample JSON (unique per source, e.g. by its own timestamp: {@code ZADD NX} makes a repeat,
     * such as the same heartbeat reaching two coordinators, a no-op), ARGV[2] = the source ({@code
     * kind:id}), ARGV[3] = the history window in millis. Returns Redis's time in millis.
     */
    public static final String APPEND_SCRIPT =
            """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local window = tonumber(ARGV[3])
            local oldest = string.format('(%d', now - window)
            redis.call('ZADD', KEYS[1], 'NX', string.format('%d', now), ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', oldest)
            redis.call('PEXPIRE', KEYS[1], window)
            redis.call('ZADD', KEYS[2], string.format('%d', now), ARGV[2])
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', oldest)
            redis.call('PEXPIRE', KEYS[2], window)
            return now
            """;

    private final String base;

    public MetricSamples(RedisKeys keys) {
        this.base = keys.prefix() + ":{metrics}:";
    }

    /** Sorted set: source ({@code kind:id}) -> Redis time of its newest sample. */
    public String sources() {
        return base + "sources";
    }

    /** Sorted set of one source: sample JSON -> Redis time it was written. */
    public String samples(String source) {
        return base + source;
    }

    /** Prefix of every source's samples key ({@link #samples} is this plus the source). */
    public String samplesPrefix() {
        return base;
    }

    /** The name of a source in the index: {@code kind:id}. */
    public static String source(String kind, String id) {
        return kind + ":" + id;
    }
}
