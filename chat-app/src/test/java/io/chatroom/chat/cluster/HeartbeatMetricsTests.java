package io.chatroom.chat.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.common.ServerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class HeartbeatMetricsTests {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);
    private final HeartbeatMetrics metrics = new HeartbeatMetrics(meters, clock);

    @Test
    void samplesTheTotalsOfTheMetersByName() {
        Counter.builder(HeartbeatMetrics.PUBLISHED).register(meters).increment(3);
        Counter.builder(HeartbeatMetrics.FORWARDED).register(meters).increment(12);

        ServerMetrics sample = metrics.sample(Duration.ofMillis(2));

        assertThat(sample).isEqualTo(new ServerMetrics(1_000_000, 3, 12, null, 2.0));
    }

    @Test
    void missingMetersAndAFailedPingAreZeroAndNull() {
        assertThat(metrics.sample(null)).isEqualTo(new ServerMetrics(1_000_000, 0, 0, null, null));
    }

    @Test
    void deliveryP99OnlyForIntervalsWithDeliveries() {
        Timer latency =
                Timer.builder(HeartbeatMetrics.DELIVERY_LATENCY)
                        .publishPercentiles(0.5, 0.95, 0.99)
                        .register(meters);
        for (int i = 1; i <= 100; i++) {
            latency.record(Duration.ofMillis(i));
        }

        Double busy = metrics.sample(null).deliveryP99Ms();
        Double idle = metrics.sample(null).deliveryP99Ms();
        latency.record(Duration.ofMillis(5));
        Double busyAgain = metrics.sample(null).deliveryP99Ms();

        assertThat(busy).isBetween(90.0, 110.0);
        assertThat(idle).isNull();
        assertThat(busyAgain).isNotNull();
    }

    @Test
    void pingsAreTimed() {
        metrics.pinged(Duration.ofMillis(4));
        metrics.pinged(null);

        assertThat(meters.get(HeartbeatMetrics.REDIS_PING).timer().count()).isEqualTo(1);
    }
}
