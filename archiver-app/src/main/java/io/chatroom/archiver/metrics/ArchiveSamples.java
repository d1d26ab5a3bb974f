package io.chatroom.archiver.metrics;

import io.chatroom.common.MetricSamples;
import io.chatroom.common.RedisKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes this archiver's numbers for the dashboard into Redis every {@code
 * chatroom.metrics.sample-interval}, where the coordinator serves them ({@link MetricSamples}): the
 * archive lag and the total it committed, read from its own meters ({@code chatroom.archive.lag},
 * {@code chatroom.archive.messages}). The archiver has no link to a coordinator but shares its
 * Redis, so it writes there itself. Runs on its own thread, so a long backup never delays a sample.
 */
@Component
class ArchiveSamples implements SmartLifecycle {
    static final String LAG = "chatroom.archive.lag";
    static final String ARCHIVED = "chatroom.archive.messages";
    private static final Logger log = LoggerFactory.getLogger(ArchiveSamples.class);
    private static final RedisScript<Long> APPEND =
            RedisScript.of(MetricSamples.APPEND_SCRIPT, Long.class);

    /** One sample: {@code lag} null while Redis cannot say. */
    record Sample(long at, Long lag, long archived) {}

    private final StringRedisTemplate redis;
    private final JsonMapper json;
    private final MetricSamples samples;
    private final MeterRegistry meters;
    private final MetricsProperties properties;
    private final Environment environment;
    private final Clock clock = Clock.systemUTC();
    private volatile ScheduledExecutorService timer;
    private volatile String source;

    ArchiveSamples(
            StringRedisTemplate redis,
            JsonMapper json,
            RedisKeys keys,
            MeterRegistry meters,
            MetricsProperties properties,
            Environment environment) {
        this.redis = redis;
        this.json = json;
        this.samples = new MetricSamples(keys);
        this.meters = meters;
        this.properties = properties;
        this.environment = environment;
    }

    @Override
    public void start() {
        // After the web server started: the port is known.
        source =
                MetricSamples.source(
                        MetricSamples.ARCHIVER,
                        hostName() + ":" + environment.getProperty("local.server.port", "0"));
        ScheduledExecutorService executor =
                Executors.newSingleThreadScheduledExecutor(
                        runnable -> {
                            Thread thread = new Thread(runnable, "archive-metrics");
                            thread.setDaemon(true);
                            return thread;
                        });
        long interval = properties.sampleInterval().toMillis();
        executor.scheduleWithFixedDelay(this::write, 0, interval, TimeUnit.MILLISECONDS);
        timer = executor;
        log.info("Writing dashboard samples as {} every {}", source, properties.sampleInterval());
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "archiver";
        }
    }

    Sample sample() {
        Gauge lag = meters.find(LAG).gauge();
        Counter archived = meters.find(ARCHIVED).counter();
        double lagValue = lag == null ? Double.NaN : lag.value();
        return new Sample(
                clock.millis(),
                Double.isNaN(lagValue) ? null : (long) lagValue,
                archived == null ? 0 : (long) archived.count());
    }

    void write() {
        try {
            redis.execute(
                    APPEND,
                    List.of(samples.samples(source), samples.sources()),
                    json.writeValueAsString(sample()),
                    source,
                    Long.toString(properties.history().toMillis()));
        } catch (DataAccessException e) {
            log.debug("dashboard sample not written: {}", e.toString());
        } catch (RuntimeException e) {
            log.warn("dashboard sample failed", e);
        }
    }

    @Override
    public void stop() {
        ScheduledExecutorService current = timer;
        timer = null;
        if (current != null) {
            current.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return timer != null;
    }
}
