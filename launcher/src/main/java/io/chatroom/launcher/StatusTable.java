package io.chatroom.launcher;

import java.util.ArrayList;
import java.util.List;

/** Renders one row per app: name, port, pid, health and where its log is. */
final class StatusTable {
    private static final String FORMAT = "  %-16s %-6s %-8s %-11s %s";

    private StatusTable() {}

    /** One app's row. */
    record Row(String app, int port, String pid, String health, String log) {}

    static List<String> render(List<Row> rows) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(FORMAT, "APP", "PORT", "PID", "HEALTH", "LOG"));
        for (Row row : rows) {
            lines.add(
                    String.format(
                            FORMAT, row.app(), row.port(), row.pid(), row.health(), row.log()));
        }
        return lines;
    }
}
