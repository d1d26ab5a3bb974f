package io.chatroom.chat.cluster;

import io.chatroom.common.ServerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The numbers each heartbeat carries for the dashboard, read from this server's own meters (looked
 * up by name, so the features that own them stay unaware of it): totals of published and forwarded
 * messages, the p99 delivery latency when something was delivered since the previous heartbeat, and
 * the round trip of the heartbeat's Redis PING, which it times as {@code chatroom.redis.ping}.
 */
@Component
class HeartbeatMetrics {
    static final String PUBLISHED = "chatroom.messages.published";
    static final String FORWARDED = "chatroom.messages.forwarded";
    static final String DELIVERY_LATENCY = "chatroom.delivery.latency";
    static final String REDIS_PING = "chatroom.redis.ping";
    private static final double P99 = 0.99;

    private final MeterRegistry meters;
    private final Timer ping;
    private final Clock clock;
    private long deliveriesAtLastSample = -1;

    @Autowired
    HeartbeatMetrics(MeterRegistry meters) {
        this(meters, Clock.systemUTC());
    }

    HeartbeatMetrics(MeterRegistry meters, Clock clock) {
        this.meters = meters;
        this.clock = clock;
        this.ping =
                Timer.builder(REDIS_PING)
                        .description("round trip of the heartbeat's Redis PING")
                        .publishPercentiles(0.5, 0.99)
                        .register(meters);
    }

    /** Records one PING's round trip; {@code null} when Redis did not answer. */
    void pinged(Duration roundTrip) {
        if (roundTrip != null) {
            ping.record(roundTrip);
        }
    }

    /** The sample for the next heartbeat; {@code lastPing} is this beat's PING (null: failed). */
    synchronized ServerMetrics sample(Duration lastPing) {
        return new ServerMetrics(
                clock.millis(),
                total(PUBLISHED),
                total(FORWARDED),
                deliveryP99Millis(),
                lastPing == null ? null : lastPing.toNanos() / 1e6);
    }

    private long total(String name) {
        Counter counter = meters.find(name).counter();
        return counter == null ? 0 : (long) counter.count();
    }

    /**
     * The timer's p99 (Micrometer's rolling window, about the last two minutes), or null when
     * nothing was delivered since the previous sample: an idle server has no latency to show.
     */
    private Double deliveryP99Millis() {
        Timer timer = meters.find(DELIVERY_LATENCY).timer();
        if (timer == null) {
            return null;
        }
        long deliveries = timer.count();
        boolean idle = deliveries == deliveriesAtLastSample;
        deliveriesAtLastSample = deliveries;
        if (idle || deliveries == 0) {
            return null;
        }
        for (ValueAtPercentile value : timer.takeSnapshot().percentileValues()) {
            if (value.percentile() == P99) {
                return value.value(TimeUnit.MILLISECONDS);
            }
        }
        return null;
    }
}
