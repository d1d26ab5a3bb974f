package io.chatroom.bench.report;

import java.util.List;
import java.util.Locale;

/**
 * Draws a result's points as an SVG with two bar panels: deliveries per second and p99 latency.
 * Plain string building: no chart library for two sets of bars.
 */
public final class ChartSvg {
    private static final int PANEL_WIDTH = 560;
    private static final int PANEL_HEIGHT = 300;
    private static final int MARGIN_LEFT = 70;
    private static final int MARGIN_TOP = 40;
    private static final int MARGIN_BOTTOM = 110;
    private static final int GAP = 40;
    private static final String THROUGHPUT_COLOR = "#3b7dd8";
    private static final String LATENCY_COLOR = "#d8793b";
    private static final int TICKS = 4;

    private ChartSvg() {}

    public static String render(RunResult result) {
        List<Point> points = result.points();
        int width = 2 * (MARGIN_LEFT + PANEL_WIDTH) + GAP;
        int height = MARGIN_TOP + PANEL_HEIGHT + MARGIN_BOTTOM;
        StringBuilder svg = new StringBuilder();
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                                + " font-family=\"sans-serif\" font-size=\"11\">%n",
                        width,
                        height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(
                text(
                        MARGIN_LEFT,
                        18,
                        "start",
                        "14",
                        result.scenario() + ": " + machineLine(result)));
        double[] throughput = points.stream().mapToDouble(Point::deliveriesPerSecond).toArray();
        double[] p99 = points.stream().mapToDouble(p -> p.latency().p99()).toArray();
        panel(svg, MARGIN_LEFT, points, throughput, "deliveries/s", THROUGHPUT_COLOR);
        panel(
                svg,
                2 * MARGIN_LEFT + PANEL_WIDTH + GAP,
                points,
                p99,
                "p99 latency (ms)",
                LATENCY_COLOR);
        return svg.append("</svg>\n").toString();
    }

    private static String machineLine(RunResult r) {
        return r.machine().getOrDefault("cores", "?")
                + " cores, "
                + r.machine().getOrDefault("cpuModel", "?")
                + ", "
                + r.startedAt();
    }

    private static void panel(
            StringBuilder svg,
            int left,
            List<Point> points,
            double[] values,
            String title,
            String color) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, v);
        }
        max = niceCeiling(max);
        int top = MARGIN_TOP;
        int bottom = top + PANEL_HEIGHT;
        svg.append(text(left + PANEL_WIDTH / 2, top - 8, "middle", "12", title));
        for (int t = 0; t <= TICKS; t++) {
            double value = max * t / TICKS;
            int y = bottom - (int) Math.round(PANEL_HEIGHT * (double) t / TICKS);
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>%n",
                            left,
                            y,
                            left + PANEL_WIDTH,
                            y));
            svg.append(text(left - 6, y + 4, "end", "11", format(value)));
        }
        int n = Math.max(1, values.length);
        double slot = (double) PANEL_WIDTH / n;
        double barWidth = Math.max(2, slot * 0.7);
        for (int i = 0; i < values.length; i++) {
            double h = max == 0 ? 0 : PANEL_HEIGHT * values[i] / max;
            double x = left + i * slot + (slot - barWidth) / 2;
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
                                    + " fill=\"%s\"><title>%s: %s</title></rect>%n",
                            x,
                            bottom - h,
                            barWidth,
                            h,
                            color,
                            escape(points.get(i).label()),
                            format(values[i])));
            double cx = x + barWidth / 2;
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" font-size=\"10\""
                                    + " transform=\"rotate(-45 %.1f %d)\">%s</text>%n",
                            cx,
                            bottom + 14,
                            cx,
                            bottom + 14,
                            escape(points.get(i).label())));
        }
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
                        left,
                        bottom,
                        left + PANEL_WIDTH,
                        bottom));
    }

    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String format(double v) {
        if (v >= 1_000_000) {
            return String.format(Locale.ROOT, "%.2fM", v / 1_000_000);
        }
        if (v >= 10_000) {
            return String.format(Locale.ROOT, "%.0fk", v / 1000);
        }
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String text(int x, int y, String anchor, String size, String content) {
        return String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" font-size=\"%s\">%s</text>%n",
                x,
                y,
                anchor,
                size,
                escape(content));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
