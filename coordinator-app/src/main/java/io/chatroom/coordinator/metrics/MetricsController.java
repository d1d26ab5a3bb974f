package io.chatroom.coordinator.metrics;

import io.chatroom.coordinator.web.ApiException;
import io.chatroom.coordinator.web.ApiException.FieldProblem;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The dashboard's charts: the last minutes of every chat server's and archiver's samples (public,
 * like {@code GET /api/servers}: counts and timings, nothing secret).
 */
@RestController
class MetricsController {
    private final MetricsHistory history;

    MetricsController(MetricsHistory history) {
        this.history = history;
    }

    /** Samples written after {@code since} (the previous answer's {@code now}); all without it. */
    @GetMapping("/api/metrics")
    MetricsSummary metrics(@RequestParam(required = false) String since) {
        return history.since(parseSince(since));
    }

    private static long parseSince(String since) {
        if (since == null || since.isEmpty()) {
            return 0;
        }
        try {
            long value = Long.parseLong(since);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.invalid(
                List.of(new FieldProblem("since", "must be epoch milliseconds (>= 0)")));
    }
}
