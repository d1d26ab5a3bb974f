package io.chatroom.chat;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/** Every {@code chatroom.*} setting of the chat-app; defaults live in application.yaml. */
@ConfigurationProperties("chatroom")
public record ChatroomProperties(
        String clusterKey,
        String serverId,
        String publicUrl,
        List<String> allowedOrigins,
        int windowSize,
        Duration idempotencyTtl,
        Duration stompHeartbeat,
        Auth auth,
        Redis redis,
        Coordinator coordinator,
        RateLimit rateLimit,
        Relay relay,
        Presence presence,
        Limits limits,
        Shutdown shutdown,
        Durability durability,
        Cluster cluster) {

    /** The contract promises a window of at least this many messages per room. */
    public static final int MIN_WINDOW_SIZE = 1000;

    public ChatroomProperties {
        if (windowSize < MIN_WINDOW_SIZE) {
            throw new IllegalArgumentException(
                    "chatroom.window-size must be at least " + MIN_WINDOW_SIZE);
        }
        allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    }

    /** Token checking. */
    public record Auth(String secret, Duration revocationCheckInterval) {}

    /** Redis key layout, and the longest wait between reconnect attempts after Redis went away. */
    public record Redis(String keyPrefix, Duration reconnectMaxDelay) {}

    /** Where heartbeats go. */
    public record Coordinator(List<String> urls, Duration heartbeatInterval) {
        public Coordinator {
            urls = urls == null ? List.of() : urls.stream().filter(u -> !u.isBlank()).toList();
        }
    }

    /** Per-user send limit; {@code messagesPerSecond = 0} turns it off. */
    public record RateLimit(double messagesPerSecond, int burst) {}

    /**
     * Relay tuning: how often every active room is re-synced from the window; after Redis restarted
     * or a replica took over, how long every server holds its SENDs ({@code restartGrace}) so that
     * each one, asking Redis who it is every {@code restartProbeInterval}, has raised the room
     * counters to the seqs it knows were given out before anyone numbers a message there, and has
     * written back the messages it appended lately ({@code recentAppends} bytes of them) that Redis
     * lost.
     */
    public record Relay(
            Duration syncInterval,
            Duration subscribeTimeout,
            int workerThreads,
            int maxWriterThreads,
            int seqFloorRooms,
            Duration restartGrace,
            Duration restartProbeInterval,
            DataSize recentAppends) {
        public Relay {
            if (restartGrace.compareTo(restartProbeInterval.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException(
                        "chatroom.relay.restart-grace must be at least twice"
                                + " chatroom.relay.restart-probe-interval");
            }
        }
    }

    /** Presence entries expire after {@code ttl} unless refreshed every {@code refreshInterval}. */
    public record Presence(Duration ttl, Duration refreshInterval) {}

    /**
     * Per-session WebSocket limits; {@code socketSendBuffer} is each socket's kernel send buffer in
     * bytes (0: the operating system's default and auto-tuning).
     */
    public record Limits(
            int messageSizeLimit,
            Duration sendTimeLimit,
            int sendBufferSizeLimit,
            Duration connectTimeout,
            int socketSendBuffer) {}

    /**
     * A SEND is acked once {@code replicas} Redis replicas hold the message (Redis WAIT, at most
     * {@code waitTimeout}); 0: once the master has it. See docs/reliability.md for the trade-off.
     */
    public record Durability(int replicas, Duration waitTimeout) {
        public Durability {
            if (replicas < 0) {
                throw new IllegalArgumentException("chatroom.durability.replicas must be >= 0");
            }
        }
    }

    /**
     * A server that has not reached Redis for {@code storeCutOffGrace} while the coordinator lists
     * another server up closes its sessions with {@code unavailable} so clients fail over; {@code
     * 0} turns this off.
     */
    public record Cluster(Duration storeCutOffGrace) {
        public Cluster {
            if (storeCutOffGrace == null || storeCutOffGrace.isNegative()) {
                throw new IllegalArgumentException(
                        "chatroom.cluster.store-cut-off-grace must be >= 0");
            }
        }
    }

    /** How long a graceful stop waits for in-flight sends. */
    public record Shutdown(Duration drainTimeout) {}
}
