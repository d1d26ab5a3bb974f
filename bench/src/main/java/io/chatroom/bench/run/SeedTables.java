package io.chatroom.bench.run;

import java.util.Map;

/**
 * The original design's measured times (seconds), from {@code shared/seed/original-design.txt}:
 * Experiment 1, time for 10/50/100 clients of one server to receive N messages.
 */
public final class SeedTables {
    /** messages -> {10 clients, 50 clients, 100 clients} in seconds. */
    public static final Map<Integer, double[]> EXPERIMENT_1 =
            Map.of(
                    100, new double[] {2.17, 2.17, 2.22},
                    500, new double[] {11.05, 11.07, 11.20},
                    1000, new double[] {22.33, 22.15, 22.25},
                    5000, new double[] {110.57, 111.04, 110.14},
                    10000, new double[] {220.91, 221.55, 220.32});

    /** Client counts of the seed's Experiment 1 columns. */
    public static final int[] EXPERIMENT_1_CLIENTS = {10, 50, 100};

    /** The seed's Experiment 2, messages -> {50, 500, 1000 subscribers} in seconds. */
    public static final Map<Integer, double[]> EXPERIMENT_2 =
            Map.of(
                    1000, new double[] {21.88, 33.97, 90.30},
                    5000, new double[] {111.63, 213.99, 433.80},
                    10000, new double[] {238.05, 436.49, 827.00});

    private SeedTables() {}

    /** The seed's time for this cell, or NaN when the seed did not measure it. */
    public static double experiment1Seconds(int messages, int clients) {
        double[] row = EXPERIMENT_1.get(messages);
        if (row == null) {
            return Double.NaN;
        }
        for (int i = 0; i < EXPERIMENT_1_CLIENTS.length; i++) {
            if (EXPERIMENT_1_CLIENTS[i] == clients) {
                return row[i];
            }
        }
        return Double.NaN;
    }
}
