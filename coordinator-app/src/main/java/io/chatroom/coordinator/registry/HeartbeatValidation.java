package io.chatroom.coordinator.registry;

import io.chatroom.common.ServerHeartbeat;
import io.chatroom.common.ServerMetrics;
import io.chatroom.coordinator.web.ApiException;
import io.chatroom.coordinator.web.ApiException.FieldProblem;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The shape a heartbeat must have before it reaches the registry. */
final class HeartbeatValidation {
    /**
     * Ids travel in URLs ({@code ?exclude=}, {@code DELETE /api/servers/{id}}): keep them plain.
     */
    static final Pattern SERVER_ID = Pattern.compile("^[A-Za-z0-9_.:-]{1,128}$");

    private static final Pattern STATUS = Pattern.compile("^[A-Za-z_]{1,32}$");
    private static final int URL_MAX = 2048;

    private HeartbeatValidation() {}

    static void validate(ServerHeartbeat heartbeat) {
        List<FieldProblem> problems = new ArrayList<>();
        if (heartbeat.id() == null || !SERVER_ID.matcher(heartbeat.id()).matches()) {
            problems.add(new FieldProblem("id", "must match " + SERVER_ID.pattern()));
        }
        if (!isUrl(heartbeat.httpUrl(), Set.of("http", "https"))) {
            problems.add(new FieldProblem("httpUrl", "must be an absolute http(s) URL"));
        }
        if (!isUrl(heartbeat.wsUrl(), Set.of("ws", "wss"))) {
            problems.add(new FieldProblem("wsUrl", "must be an absolute ws(s) URL"));
        }
        if (heartbeat.status() == null || !STATUS.matcher(heartbeat.status()).matches()) {
            problems.add(new FieldProblem("status", "must be a health status such as UP"));
        }
        if (heartbeat.connections() < 0) {
            problems.add(new FieldProblem("connections", "must not be negative"));
        }
        if (heartbeat.metrics() != null) {
            validate(heartbeat.metrics(), problems);
        }
        if (!problems.isEmpty()) {
            throw ApiException.invalid(problems);
        }
    }

    /** Optional dashboard numbers: totals never negative, timings finite and not negative. */
    private static void validate(ServerMetrics metrics, List<FieldProblem> problems) {
        if (metrics.at() <= 0) {
            problems.add(new FieldProblem("metrics.at", "must be epoch milliseconds"));
        }
        if (metrics.published() < 0) {
            problems.add(new FieldProblem("metrics.published", "must not be negative"));
        }
        if (metrics.forwarded() < 0) {
            problems.add(new FieldProblem("metrics.forwarded", "must not be negative"));
        }
        if (!isDuration(metrics.deliveryP99Ms())) {
            problems.add(new FieldProblem("metrics.deliveryP99Ms", "must be null or >= 0"));
        }
        if (!isDuration(metrics.redisRttMs())) {
            problems.add(new FieldProblem("metrics.redisRttMs", "must be null or >= 0"));
        }
    }

    private static boolean isDuration(Double millis) {
        return millis == null || (Double.isFinite(millis) && millis >= 0);
    }

    private static boolean isUrl(String value, Set<String> schemes) {
        if (value == null || value.length() > URL_MAX) {
            return false;
        }
        try {
            URI uri = new URI(value);
            return uri.getScheme() != null
                    && schemes.contains(uri.getScheme().toLowerCase(Locale.ROOT))
                    && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
