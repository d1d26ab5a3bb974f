package io.chatroom.coordinator.config;

import java.time.Duration;
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
     * Failed logins counted per username and per client address within {@code window}; reaching a
     * maximum refuses further attempts for the rest of the window.
     */
    public record Throttle(
            Duration window, int maxFailuresPerUsername, int maxFailuresPerAddress) {}

    /** Chat-server registry: how long a heartbeat keeps a server listed. */
    public record Registry(Duration ttl) {}

    /** Request limits. */
    public record Http(DataSize maxBodySize) {}
}
