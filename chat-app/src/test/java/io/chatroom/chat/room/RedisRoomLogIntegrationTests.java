package io.chatroom.chat.room;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.chat.AsyncScripts;
import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.RedisPubSub;
import io.chatroom.common.RedisKeys;
import io.chatroom.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * {@link RoomLogContract} against {@link RedisRoomLog} on the tests' Redis, with a fresh key prefix
 * and database. Only the log and what it needs are wired (Spring Boot's Redis, JDBC and Jackson
 * set-up and the app's application.yaml), not the whole app, so nothing else touches its keys.
 */
class RedisRoomLogIntegrationTests extends RoomLogContract {
    private static TestInfra.Env env;
    private static ConfigurableApplicationContext context;
    private static StringRedisTemplate redis;
    private static RedisKeys keys;

    @BeforeAll
    static void start() {
        env = TestInfra.newEnv();
        context =
                new SpringApplicationBuilder(Wiring.class)
                        .web(WebApplicationType.NONE)
                        .bannerMode(Banner.Mode.OFF)
                        .run(
                                "--spring.data.redis.url=" + env.redisUrl(),
                                "--spring.datasource.url=" + env.database().jdbcUrl(),
                                "--spring.datasource.username=" + env.database().username(),
                                "--spring.datasource.password=" + env.database().password(),
                                "--chatroom.redis.key-prefix=" + env.keyPrefix(),
                                "--chatroom.auth.secret=" + env.authSecret(),
                                "--chatroom.cluster-key=" + env.clusterKey(),
                                "--chatroom.window-size=" + WINDOW);
        redis = context.getBean(StringRedisTemplate.class);
        keys = context.getBean(RedisKeys.class);
    }

    @AfterAll
    static void stop() {
        if (context != null) {
            redis.delete(scan(env.keyPrefix() + ":*"));
            context.close();
        }
    }

    @Override
    RoomLog log() {
        return context.getBean(RoomLog.class);
    }

    @Override
    void loseRoom(String room) {
        redis.delete(roomKeys(room));
    }

    @Override
    Object snapshot(String room) {
        Map<String, byte[]> dumps = new HashMap<>();
        roomKeys(room).forEach(key -> dumps.put(key, redis.dump(key)));
        return dumps;
    }

    @Override
    @SuppressWarnings("unchecked")
    void rollBack(String room, Object snapshot) {
        redis.delete(roomKeys(room));
        ((Map<String, byte[]>) snapshot)
                .forEach((key, dump) -> redis.restore(key, dump, 0, TimeUnit.MILLISECONDS));
    }

    /**
     * The restart fence raises every counter a server knows at once, in script calls of a few
     * hundred rooms: rooms in every call are raised, left alone or reported missing with their own
     * floor, whatever call they fall in.
     */
    @Test
    void raisingCountersOverManyScriptCallsReportsEachMissingRoomWithItsFloor() {
        SeqCounters counters = context.getBean(SeqCounters.class);
        String prefix = "raise-many-" + System.nanoTime() + "-";
        List<Map.Entry<String, Long>> floors = new ArrayList<>();
        List<Map.Entry<String, Long>> expectedMissing = new ArrayList<>();
        for (int i = 0; i < 1_234; i++) {
            String room = prefix + i;
            long floor = 100 + i;
            floors.add(Map.entry(room, floor));
            switch (i % 3) {
                case 0 -> redis.opsForValue().set(keys.roomSeq(room), "1"); // behind: raised
                case 1 -> redis.opsForValue().set(keys.roomSeq(room), Long.toString(floor + 5));
                default -> expectedMissing.add(Map.entry(room, floor)); // reported
            }
        }

        SeqCounters.Raised raised = counters.raise(SeqCounters.Missing.REPORT, floors);

        assertThat(raised.count()).isEqualTo(412); // i % 3 == 0 for i in 0..1233
        assertThat(raised.missing()).containsExactlyElementsOf(expectedMissing);
        assertThat(redis.opsForValue().get(keys.roomSeq(prefix + 999))).isEqualTo("1099");
        assertThat(redis.opsForValue().get(keys.roomSeq(prefix + 1000))).isEqualTo("1105");
        assertThat(redis.hasKey(keys.roomSeq(prefix + 1001))).isFalse();

        SeqCounters.Raised seeded = counters.raise(SeqCounters.Missing.SEED, raised.missing());

        assertThat(seeded.count()).isEqualTo(expectedMissing.size());
        assertThat(seeded.missing()).isEmpty();
        assertThat(redis.opsForValue().get(keys.roomSeq(prefix + 1001))).isEqualTo("1101");
        redis.delete(floors.stream().map(e -> keys.roomSeq(e.getKey())).toList());
    }

    /** The room's counter, window and client message ids. */
    /**
     * The append script turns Redis's {@code TIME} into {@code sentAt} with its own date
     * arithmetic: run that part of the script on given instants (leap days, century years, the ends
     * of days and years, and a spread of others up to the year 2400) and compare it with java.time.
     */
    @Test
    void theAppendScriptsSentAtIsTheIsoInstantOfRedisTimeToTheMillisecond() throws Exception {
        String script;
        try (var in = RedisRoomLog.class.getResourceAsStream("/scripts/append-message.lua")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String time = "local now = redis.call('TIME')";
        String dateOnly =
                script.substring(script.indexOf(time), script.indexOf("local json"))
                                .replace(time, "local now = {ARGV[1], ARGV[2]}")
                        + "return sentAt";
        DefaultRedisScript<String> sentAt = new DefaultRedisScript<>(dateOnly, String.class);
        List<Instant> instants =
                new ArrayList<>(
                        Stream.of(
                                        "1970-01-01T00:00:00.000Z",
                                        "1999-12-31T23:59:59.999Z",
                                        "2000-02-29T12:00:00.500Z",
                                        "2000-03-01T00:00:00.000Z",
                                        "2024-02-29T23:59:59.999Z",
                                        "2026-12-31T23:59:59.999Z",
                                        "2100-02-28T23:59:59.999Z",
                                        "2100-03-01T00:00:00.000Z",
                                        "2400-02-29T00:00:00.001Z")
                                .map(Instant::parse)
                                .toList());
        DateTimeFormatter millis =
                DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
                        .withZone(ZoneOffset.UTC);
        Random random = new Random(42);
        long year2400 = Instant.parse("2400-01-01T00:00:00Z").getEpochSecond();
        for (int i = 0; i < 500; i++) {
            instants.add(
                    Instant.ofEpochSecond(
                            random.nextLong(year2400), random.nextInt(1_000_000) * 1_000L));
        }
        for (Instant instant : instants) {
            long micros = instant.getNano() / 1_000;
            assertThat(
                            redis.execute(
                                    sentAt,
                                    List.of(),
                                    Long.toString(instant.getEpochSecond()),
                                    Long.toString(micros)))
                    .as("%s", instant)
                    .isEqualTo(millis.format(instant));
        }
    }

    private static List<String> roomKeys(String room) {
        return scan(keys.roomSeq(room).replaceFirst(":seq$", ":*"));
    }

    private static List<String> scan(String pattern) {
        List<String> found = new ArrayList<>();
        try (Cursor<String> cursor =
                redis.scan(ScanOptions.scanOptions().match(pattern).count(1000).build())) {
            cursor.forEachRemaining(found::add);
        }
        return found;
    }

    /**
     * What RedisRoomLog needs, as the app wires it (RedisConfig, ExecutorsConfig). Not a
     * {@code @Configuration}: the app's component scan would find it in every integration test.
     */
    @ImportAutoConfiguration({
        DataRedisAutoConfiguration.class,
        DataSourceAutoConfiguration.class,
        JdbcTemplateAutoConfiguration.class,
        JacksonAutoConfiguration.class
    })
    @EnableConfigurationProperties(ChatroomProperties.class)
    @Import({
        AsyncScripts.class,
        SeqFloors.class,
        RecentAppends.class,
        SeqCounters.class,
        RoomKeyBytes.class,
        RestartFence.class,
        RedisRoomLog.class
    })
    static class Wiring {
        @Bean
        RedisKeys redisKeys(ChatroomProperties properties) {
            return new RedisKeys(properties.redis().keyPrefix());
        }

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        ThreadPoolTaskScheduler chatTaskScheduler() {
            return new ThreadPoolTaskScheduler();
        }

        /** Classic PUBLISH, as on a single Redis; the log only asks which. */
        @Bean
        RedisPubSub pubSub() {
            return new RedisPubSub() {
                @Override
                public void subscribe(Listener listener, List<String> channels) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void unsubscribe(Listener listener, List<String> channels) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void publish(String channel, String message) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public boolean sharded() {
                    return false;
                }
            };
        }
    }
}
