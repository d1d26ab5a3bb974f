package io.chatroom.chat.send;

import io.chatroom.chat.ChatroomProperties;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/** A token bucket per user on this server: {@code burst} at once, then the steady rate. */
@Component
class SendRateLimiter {
    private static final double NANOS_PER_SECOND = 1e9;

    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoClock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    @Autowired
    SendRateLimiter(ChatroomProperties properties) {
        this(
                properties.rateLimit().messagesPerSecond(),
                properties.rateLimit().burst(),
                System::nanoTime);
    }

    SendRateLimiter(double perSecond, int burst, LongSupplier nanoClock) {
        this.perSecond = perSecond;
        this.burst = Math.max(burst, 1);
        this.nanoClock = nanoClock;
    }

    boolean tryAcquire(String user) {
        if (perSecond <= 0) {
            return true;
        }
        return buckets.computeIfAbsent(user, u -> new Bucket(burst, nanoClock.getAsLong()))
                .take(nanoClock.getAsLong());
    }

    private final class Bucket {
        private double tokens;
        private long lastNanos;

        Bucket(double tokens, long nowNanos) {
            this.tokens = tokens;
            this.lastNanos = nowNanos;
        }

        synchronized boolean take(long nowNanos) {
            tokens =
                    Math.min(burst, tokens + (nowNanos - lastNanos) / NANOS_PER_SECOND * perSecond);
            lastNanos = nowNanos;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
