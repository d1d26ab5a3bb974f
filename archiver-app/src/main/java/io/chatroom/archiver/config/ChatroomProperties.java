package io.chatroom.archiver.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Every archiver setting under {@code chatroom.*}; defaults live in application.yaml. */
@ConfigurationProperties(prefix = "chatroom")
public record ChatroomProperties(
        String clusterKey,
        List<String> allowedOrigins,
        Redis redis,
        Archive archive,
        History history,
        Backup backup) {

    /** Where the shared Redis keys live. */
    public record Redis(String keyPrefix) {}

    /**
     * How the reliable queue is drained: by {@code workers} threads, each in rounds that take up to
     * {@code batchSize} messages from each of its shards and commit them in one transaction (up to
     * {@code batchesPerTurn} rounds per scan), each shard only under a lease of {@code leaseTtl}.
     */
    public record Archive(
            boolean enabled,
            int batchSize,
            int workers,
            int batchesPerTurn,
            Duration leaseTtl,
            Duration pollInterval,
            Duration linger,
            Duration errorBackoff) {}

    /** Bounds of the history API. */
    public record History(int defaultLimit, int maxLimit, int roomsLimit) {}

    /** Scheduled, verified pg_dump backups. */
    public record Backup(
            Path dir, String cron, int keep, String pgDump, String pgRestore, Duration timeout) {}
}
