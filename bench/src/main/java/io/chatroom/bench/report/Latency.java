package io.chatroom.bench.report;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/** Send-to-receive latency percentiles in milliseconds; count 0 when nothing was measured. */
public record Latency(
        long count, double p50, double p90, double p99, double p999, double max, double mean) {
    private static final double MICROS_PER_MILLI = 1000.0;

    /** Summarises a histogram whose values are microseconds. */
    public static Latency ofMicros(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new Latency(0, 0, 0, 0, 0, 0, 0);
        }
        return new Latency(
                h.getTotalCount(),
                ms(h.getValueAtPercentile(50)),
                ms(h.getValueAtPercentile(90)),
                ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)),
                ms(h.getMaxValue()),
                Math.round(h.getMean() / MICROS_PER_MILLI * 1000) / 1000.0);
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f ms (n=%d)",
                p50,
                p90,
                p99,
                p999,
                max,
                count);
    }

    private static double ms(long micros) {
        return Math.round(micros / MICROS_PER_MILLI * 1000) / 1000.0;
    }
}
