package io.chatroom.coordinator.auth;

import io.chatroom.common.RedisKeys;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Revoked token ids, in Redis for every app to check ({@link RedisKeys#revokedToken}, expiring with
 * the token, announced on {@link RedisKeys#revocationChannel()}) and in PostgreSQL so that a wiped
 * Redis gets them back: whenever the cluster epoch key is new to this coordinator, every unexpired
 * revocation is written to Redis again.
 */
@Component
class Revocations {
    private static final Logger log = LoggerFactory.getLogger(Revocations.class);
    private static final String REVOKED_MARKER = "1";

    private static final RedisScript<Long> SHARD_PUBLISH =
            RedisScript.of("return redis.call('SPUBLISH', KEYS[1], ARGV[1])", Long.class);

    private final StringRedisTemplate redis;
    private final boolean cluster;
    private final JdbcTemplate jdbc;
    private final RedisKeys keys;
    private final Clock clock;

    /** The epoch value last seen; a different one means Redis lost its data since. */
    private volatile String knownEpoch;

    Revocations(StringRedisTemplate redis, JdbcTemplate jdbc, RedisKeys keys, Clock clock) {
        this.redis = redis;
        this.cluster =
                redis.getConnectionFactory() instanceof LettuceConnectionFactory factory
                        && factory.isClusterAware();
        this.jdbc = jdbc;
        this.keys = keys;
        this.clock = clock;
    }

    /** Revokes a token id until {@code expiresAt}; harmless to repeat. */
    void revoke(String jti, Instant expiresAt) {
        Duration remaining = Duration.between(clock.instant(), expiresAt);
        if (remaining.isNegative() || remaining.isZero()) {
            return;
        }
        jdbc.update(
                "insert into coordinator.revoked_token (jti, expires_at) values (?, ?)"
                        + " on conflict (jti) do nothing",
                jti,
                Timestamp.from(expiresAt));
        redis.opsForValue().set(keys.revokedToken(jti), REVOKED_MARKER, remaining);
        publish(keys.revocationChannel(), jti);
    }

    /**
     * Announces a revocation to the chat-apps: on a Redis Cluster with SPUBLISH, as chat-apps there
     * listen with sharded subscriptions (a classic PUBLISH would be broadcast to every node). A
     * script with the channel as its key, so the template routes it to the channel's master.
     */
    private void publish(String channel, String message) {
        if (cluster) {
            redis.execute(SHARD_PUBLISH, List.of(channel), message);
        } else {
            redis.convertAndSend(channel, message);
        }
    }

    /**
     * Whether logout revoked the token id. Redis answers first; PostgreSQL, which logout writes
     * first, is asked too and wins: a Redis that came back with older data (epoch intact, so
     * nothing was restored) cannot revive a logged-out token. Bearer calls are rare (logout,
     * fail-over).
     */
    boolean isRevoked(String jti) {
        if (Boolean.TRUE.equals(redis.hasKey(keys.revokedToken(jti)))) {
            return true;
        }
        Boolean inDatabase =
                jdbc.queryForObject(
                        "select exists (select 1 from coordinator.revoked_token where jti = ?)",
                        Boolean.class,
                        jti);
        return Boolean.TRUE.equals(inDatabase);
    }

    /**
     * Creates the epoch key if Redis lacks it; when the epoch differs from the one seen before
     * (first check, or Redis was wiped and someone, maybe a chat-app, created a new one), restores
     * every unexpired revocation.
     */
    @Scheduled(initialDelay = 0, fixedDelayString = "${chatroom.auth.epoch-check-interval}")
    void checkEpoch() {
        try {
            redis.opsForValue().setIfAbsent(keys.epoch(), UUID.randomUUID().toString());
            String epoch = redis.opsForValue().get(keys.epoch());
            if (epoch != null && !epoch.equals(knownEpoch)) {
                int restored = restoreAll();
                if (knownEpoch != null) {
                    log.warn(
                            "Redis cluster epoch changed (Redis lost its data?); restored {}"
                                    + " token revocations",
                            restored);
                }
                knownEpoch = epoch;
            }
        } catch (RuntimeException e) {
            log.warn("Could not check the Redis cluster epoch: {}", e.toString());
        }
    }

    int restoreAll() {
        Instant now = clock.instant();
        List<Revocation> live =
                jdbc.query(
                        "select jti, expires_at from coordinator.revoked_token"
                                + " where expires_at > ?",
                        (rs, i) ->
                                new Revocation(
                                        rs.getString("jti"),
                                        rs.getTimestamp("expires_at").toInstant()),
                        Timestamp.from(now));
        for (Revocation r : live) {
            Duration remaining = Duration.between(now, r.expiresAt());
            if (!remaining.isNegative() && !remaining.isZero()) {
                redis.opsForValue().set(keys.revokedToken(r.jti()), REVOKED_MARKER, remaining);
            }
        }
        return live.size();
    }

    /** Forgets revocations of tokens that have expired anyway. */
    @Scheduled(
            initialDelayString = "${chatroom.auth.revocation-cleanup-interval}",
            fixedDelayString = "${chatroom.auth.revocation-cleanup-interval}")
    void deleteExpired() {
        try {
            jdbc.update(
                    "delete from coordinator.revoked_token where expires_at <= ?",
                    Timestamp.from(clock.instant()));
        } catch (RuntimeException e) {
            log.warn("Could not delete expired revocations: {}", e.toString());
        }
    }

    private record Revocation(String jti, Instant expiresAt) {}
}
