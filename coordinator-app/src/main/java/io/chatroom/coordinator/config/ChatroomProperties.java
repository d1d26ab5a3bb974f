package io.chatroom.coordinator.config;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/** Every {@code chatroom.*} setting of the coordinator; defaults live in application.yaml. */
@ConfigurationProperties("chatroom")
public record ChatroomProperties(
        String clusterKey,
        String archiverUrl,
        Redis redis,
        Auth auth,
        Registry registry,
        Http http) {

    /** Redis key layout settings. */
    public record Redis(String keyPrefix) {}

    /** Token signing, revocation bookkeeping and login throttling. */
    public record Auth(
            String secret,
            Duration tokenTtl,
            Duration clockSkew,
            Duration epochCheckInterval,
            Duration revocationCleanupInterval,
            Throttle throttle,
            Hashing hashing) {}

    /**
     * Argon2id needs about 19 MiB per hash: at most {@code maxConcurrent} run at once, and a
     * request that cannot start one within {@code maxWait} gets 503 with Retry-After instead of
     * exhausting the heap.
     */
    public record Hashing(int maxConcurrent, Duration maxWait) {}

    /**
     * Failed logins counted per (username, client address) and per client address within {@code
     * window}, registrations per client address within {@code registrationWindow}; reaching a
     * maximum refuses further attempts (429) for the rest of that window. A maximum of 0 turns that
     * limit off (benchmarks).
     */
    public record Throttle(
            Duration window,
            int maxFailuresPerUsernameAndAddress,
            int maxFailuresPerAddress,
            Duration registrationWindow,
            int maxRegistrationsPerAddress) {}

    /** Chat-server registry: how long a heartbeat keeps a server listed. */
    public record Registry(Duration ttl) {}

    /**
     * Request limits, and the proxies (addresses or CIDR ranges) whose {@code X-Forwarded-For} is
     * believed when telling client addresses apart; empty: none, the TCP peer is the client.
     */
    public record Http(DataSize maxBodySize, List<String> trustedProxies) {}
}
