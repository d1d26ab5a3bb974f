package io.chatroom.chat.room;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The relay's meters, shared by every room's stream. */
record RelayMeters(Counter forwarded, Counter gapRepairs, Counter duplicates, Timer latency) {

    static RelayMeters register(MeterRegistry meters) {
        return new RelayMeters(
                Counter.builder("chatroom.messages.forwarded")
                        .description("message frames written to subscribers")
                        .register(meters),
                Counter.builder("chatroom.relay.gap.repairs")
                        .description("gaps in pub/sub filled from the window")
                        .register(meters),
                Counter.builder("chatroom.relay.duplicates")
                        .description("pub/sub messages dropped as already forwarded")
                        .register(meters),
                Timer.builder("chatroom.delivery.latency")
                        .description("sentAt to forwarded by this server")
                        .publishPercentiles(0.5, 0.95, 0.99)
                        .register(meters));
    }
}
