package io.chatroom.bench.report;

import java.util.List;
import java.util.Map;

/**
 * Everything one invocation measured, as written to {@code bench/results/<scenario>-<time>.json}.
 */
public record RunResult(
        String scenario,
        String startedAt,
        Map<String, String> machine,
        Map<String, String> options,
        List<Point> points,
        Map<String, Object> extra) {}
