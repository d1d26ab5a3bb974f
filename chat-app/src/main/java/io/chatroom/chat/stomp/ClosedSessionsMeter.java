package io.chatroom.chat.stomp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The one definition of {@code chatroom.sessions.closed}: sessions the server closed, by reason.
 */
public final class ClosedSessionsMeter {
    private ClosedSessionsMeter() {}

    /** The counter for one reason (registered once per registry, found again after that). */
    public static Counter counter(MeterRegistry meters, String reason) {
        return Counter.builder("chatroom.sessions.closed")
                .tag("reason", reason)
                .description("sessions closed by the server, by reason")
                .register(meters);
    }
}
