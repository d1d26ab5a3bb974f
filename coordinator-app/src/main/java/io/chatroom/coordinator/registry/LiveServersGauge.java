package io.chatroom.coordinator.registry;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/** Publishes {@code chatroom.servers.live}: how many chat servers the registry lists now. */
@Component
class LiveServersGauge {

    LiveServersGauge(MeterRegistry meters, ServerRegistry registry) {
        Gauge.builder("chatroom.servers.live", registry, r -> r.live().size())
                .description("Chat servers with an unexpired heartbeat")
                .register(meters);
    }
}
