package io.chatroom.coordinator.auth;

import java.time.Duration;
import java.util.List;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * Counters in Redis, shared by every coordinator, that vanish a fixed window after their first
 * increment: a counter can never outlive its window, so the key space stays bounded.
 */
@Component
class WindowCounters {
    // A key without an expiry (written by hand, or an interrupted older version) gets one too.
    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> INCREMENT =
            RedisScript.of(
                    """
                    local n = redis.call('INCR', KEYS[1])
                    local ttl = redis.call('PTTL', KEYS[1])
                    if n == 1 or ttl < 0 then
                      redis.call('PEXPIRE', KEYS[1], ARGV[1])
                      ttl = tonumber(ARGV[1])
                    end
                    return {n, ttl}
                    """,
                    List.class);

    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> READ =
            RedisScript.of(
                    """
                    local n = tonumber(redis.call('GET', KEYS[1]) or '0')
                    return {n, redis.call('PTTL', KEYS[1])}
                    """,
                    List.class);

    /** A counter's value and how long its window still runs. */
    record Count(long value, Duration left) {}

    private final StringRedisTemplate redis;

    WindowCounters(StringRedisTemplate redis) {
        this.redis = redis;
    }

    Count increment(String key, Duration window) {
        return run(INCREMENT, key, window, Long.toString(window.toMillis()));
    }

    Count read(String key, Duration window) {
        return run(READ, key, window);
    }

    void reset(String key) {
        redis.delete(key);
    }

    private Count run(RedisScript<List> script, String key, Duration window, String... args) {
        List<?> reply = redis.execute(script, List.of(key), (Object[]) args);
        long value = ((Number) reply.get(0)).longValue();
        long ttlMillis = ((Number) reply.get(1)).longValue();
        return new Count(value, ttlMillis < 0 ? window : Duration.ofMillis(ttlMillis));
    }
}
