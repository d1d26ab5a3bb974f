package io.chatroom.coordinator.metrics;

import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/metrics}: every source's samples newer than {@code since} within the history
 * window, with Redis's time {@code now} (the next request's {@code since}, so no sample is missed
 * or repeated).
 */
public record MetricsSummary(
        long now,
        long historyMillis,
        long staleAfterMillis,
        List<Source> chatServers,
        List<Source> archivers) {

    /**
     * One app's series: {@code live} while its newest sample ({@code lastSample}, Redis time) is at
     * most {@code staleAfterMillis} old; each sample is the app's JSON plus {@code time}.
     */
    public record Source(String id, boolean live, long lastSample, List<ObjectNode> samples) {}
}
