package io.chatroom.bench.report;

import java.util.Map;

/**
 * One measured cell of a scenario: a window of {@code messages} sent to one room and delivered to
 * {@code clients} receivers. Rates divide by the time from the first send to the last delivery. CPU
 * figures are null when they could not be read.
 */
public record Point(
        String label,
        int clients,
        int chatServers,
        int publishers,
        int messages,
        int textChars,
        int inflight,
        double targetMessagesPerSecond,
        double seconds,
        double messagesPerSecond,
        double deliveriesPerSecond,
        long expectedDeliveries,
        long delivered,
        long lost,
        long duplicates,
        long outOfOrder,
        long gaps,
        long sendErrors,
        String firstSendError,
        int connectionsClosed,
        double avgClientCompletionSeconds,
        Latency latency,
        Double serverCpuSeconds,
        Double serverCpuMicrosPerDelivery,
        Double redisCpuSeconds,
        Map<String, Double> serverCpuSecondsByThread,
        double generatorCpuSeconds,
        double generatorCpuMicrosPerDelivery) {

    /** True when every expected delivery arrived exactly once and in order. */
    public boolean correct() {
        return lost == 0 && duplicates == 0 && outOfOrder == 0 && sendErrors == 0;
    }
}
