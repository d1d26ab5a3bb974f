package io.chatroom.chat.stomp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;

/**
 * Sessions the server closed because writing to them failed, by reason; and how sends completed: at
 * once on the sending thread, or later on one of the container's threads.
 */
final class OutboxMeters {
    /** More was queued for the session than the buffer limit allows: it does not read. */
    static final String SLOW_CONSUMER = "slow_consumer";

    /** A send did not complete within the send time limit. */
    static final String SEND_TIMEOUT = "send_timeout";

    /** The container refused or failed a write (the connection broke). */
    static final String WRITE_FAILED = "write_failed";

    private final Map<String, Counter> counters;
    private final Counter inline;
    private final Counter later;

    OutboxMeters(MeterRegistry meters) {
        this.inline = sends(meters, "inline");
        this.later = sends(meters, "later");
        this.counters =
                Map.of(
                        SLOW_CONSUMER, ClosedSessionsMeter.counter(meters, SLOW_CONSUMER),
                        SEND_TIMEOUT, ClosedSessionsMeter.counter(meters, SEND_TIMEOUT),
                        WRITE_FAILED, ClosedSessionsMeter.counter(meters, WRITE_FAILED));
    }

    private static Counter sends(MeterRegistry meters, String completion) {
        return Counter.builder("chatroom.outbox.sends")
                .tag("completion", completion)
                .description("WebSocket sends, by where they completed")
                .register(meters);
    }

    void completedInline() {
        inline.increment();
    }

    void completedLater() {
        later.increment();
    }

    void closed(String reason) {
        counters.get(reason).increment();
    }
}
