package io.chatroom.chat.room;

import static io.chatroom.chat.room.RoomKeyBytes.utf8;

import io.chatroom.chat.AsyncScripts;
import io.chatroom.chat.ChatException;
import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.RedisPubSub;
import io.chatroom.common.ErrorCodes;
import io.chatroom.common.RedisKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The room log in Redis: one Lua call per message assigns the next seq and Redis's time, adds it to
 * the room's window, the archive queue and the room's channel, and remembers the client's message
 * id, all or nothing.
 *
 * <p>Seqs never go back: each call passes a floor, the highest seq this server knows was given out
 * in the room (acked or forwarded here, else the archive's high-water mark, read once per room),
 * and the script raises a counter found below it before incrementing; a missing counter is seeded
 * from the same floor. So a Redis restored from an older snapshot, or a failover to a lagging
 * replica, does not give out a seq twice for rooms this server has seen.
 */
@Component
class RedisRoomLog implements RoomLog {
    private static final Logger log = LoggerFactory.getLogger(RedisRoomLog.class);
    private static final long NEW_MESSAGE = 1;
    private static final long RETRY = 2;

    /** Indexes among the append script's arguments: ARGV[7] the channel, ARGV[8] the floor. */
    private static final int CHANNEL_ARG = 6;

    private static final int FLOOR_ARG = 7;

    /**
     * Attempts per message: seeding a missing counter happens once per room, meeting a restarted
     * Redis once per restart; more in a row means Redis keeps being wiped or restarted.
     */
    private static final int MAX_ATTEMPTS = 4;

    /**
     * Retries while the room's slot moves between Redis Cluster masters: a script whose keys are
     * split between the two for the moment ({@code TRYAGAIN}), or that met the move on the durable
     * path's own connection to one master ({@code ASK}, {@code MOVED}), ran nowhere; a slot's keys
     * move in milliseconds, and its append script needs all of them (its idempotency key is new),
     * so every append to the slot meets the move. For as long as one Redis command may take ({@code
     * spring.data.redis.timeout}), so the client hears "unavailable" only when the move is stuck.
     */
    private static final long SLOT_RETRY_MILLIS = 50;

    /** The outcome of an attempt that met a Redis process this server's script is new to. */
    private static final Appended FENCED = new Appended(-1, false);

    /** {@link #outcome}: the room's slot was moving, nothing was written; try again shortly. */
    private static final Appended SLOT_MOVING = new Appended(-2, false);

    /** Counters read per MGET by the re-sync: no single command holds Redis long. */
    private static final int KEYS_PER_READ = 1000;

    /** After a failed archive read, how long SENDs skip it (the counter alone numbers them). */
    private static final long ARCHIVE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final StringRedisTemplate redis;
    private final SeqCounters counters;
    private final RedisKeys keys;
    private final JsonMapper json;
    private final DefaultRedisScript<List> appendScript;
    private final SeqFloors floors;
    private final RestartFence fence;
    private final RecentAppends recent;
    private final long fenceWaitMillis;
    private final RoomKeyBytes keyBytes;
    private final AsyncScripts scripts;
    private final byte[] publishCommand;
    private final boolean durable;
    private final Executor slowPath;
    private final Timer redisLatency;
    private final Counter raised;
    private final Counter slotRetried;
    private final long slotRetryNanos;
    private volatile long archiveFailedAt = System.nanoTime() - ARCHIVE_RETRY_NANOS;

    RedisRoomLog(
            StringRedisTemplate redis,
            SeqCounters counters,
            RedisKeys keys,
            RoomKeyBytes keyBytes,
            JsonMapper json,
            ChatroomProperties properties,
            MeterRegistry meters,
            AsyncScripts scripts,
            RedisPubSub pubSub,
            SeqFloors floors,
            RestartFence fence,
            RecentAppends recent,
            @Value("${spring.data.redis.timeout:2s}") Duration redisTimeout,
            @Qualifier("chatTaskScheduler") Executor slowPath) {
        this.redis = redis;
        this.counters = counters;
        this.keys = keys;
        this.json = json;
        this.appendScript = fence.appendScript();
        this.floors = floors;
        this.fence = fence;
        this.recent = recent;
        // A held SEND gives up as "unavailable" (the client retries) after the grace plus the time
        // the meeting's own Redis calls may take.
        this.fenceWaitMillis =
                properties.relay().restartGrace().toMillis() + 2 * redisTimeout.toMillis();
        this.keyBytes = keyBytes;
        this.scripts = scripts;
        this.durable = scripts.replicas() > 0;
        // Durable acks: the script does not publish; the message goes out once replicas have it.
        this.publishCommand = utf8(durable ? "" : pubSub.sharded() ? "SPUBLISH" : "PUBLISH");
        this.slowPath = slowPath;
        this.redisLatency =
                Timer.builder("chatroom.redis.latency")
                        .description("one append call to Redis")
                        .publishPercentiles(0.5, 0.99)
                        .register(meters);
        this.raised =
                Counter.builder("chatroom.seq.raised")
                        .description("room counters found behind seqs already given out, raised")
                        .register(meters);
        this.slotRetryNanos = redisTimeout.toNanos();
        this.slotRetried =
                Counter.builder("chatroom.redis.slot.retries")
                        .description(
                                "appends tried again because their room's cluster slot was moving")
                        .register(meters);
    }

    @Override
    public CompletableFuture<Appended> append(
            String room, String sender, String clientMessageId, String text) {
        byte[][] store = keyBytes.store(room);
        Append append =
                new Append(
                        room,
                        clientMessageId,
                        new byte[][] {
                            // Scoped by sender: nobody can suppress another user's message by
                            // reusing its clientMessageId.
                            keyBytes.idempotency(room, sender + ":" + clientMessageId),
                            store[0],
                            store[1],
                            store[2]
                        },
                        new byte[][] {
                            utf8(MessageIds.next()),
                            utf8(room),
                            utf8(json.writeValueAsString(sender)),
                            utf8(json.writeValueAsString(text)),
                            keyBytes.windowSize(),
                            keyBytes.idempotencyTtlSeconds(),
                            keyBytes.channel(room),
                            null,
                            publishCommand
                        });
        return attempt(append, 0);
    }

    /** One message on its way into the log; the floor argument is set per attempt. */
    private static final class Append {
        final String room;
        final String clientMessageId;
        final byte[][] keys;
        final byte[][] args;

        /** When this message first met its slot moving, 0 before. */
        long slotMovingSince;

        Append(String room, String clientMessageId, byte[][] keys, byte[][] args) {
            this.room = room;
            this.clientMessageId = clientMessageId;
            this.keys = keys;
            this.args = args;
        }
    }

    private CompletableFuture<Appended> attempt(Append append, int attempt) {
        if (attempt >= MAX_ATTEMPTS) {
            return CompletableFuture.failedFuture(
                    new ChatException(
                            ErrorCodes.UNAVAILABLE,
                            "room counter could not be initialised",
                            append.clientMessageId));
        }
        CompletableFuture<Void> gate = fence.ready();
        if (!gate.isDone()) {
            // Redis is a new process: wait until every server had the time to raise its counters.
            return gate.copy()
                    .orTimeout(fenceWaitMillis, TimeUnit.MILLISECONDS)
                    .handle(
                            (v, failure) -> {
                                if (failure != null) {
                                    throw new ChatException(
                                            ErrorCodes.UNAVAILABLE,
                                            "message store restarting, retry",
                                            append.clientMessageId);
                                }
                                return v;
                            })
                    .thenCompose(v -> attempt(append, attempt));
        }
        Long known = floors.archiveChecked(append.room);
        CompletableFuture<Long> floor =
                known != null
                        ? CompletableFuture.completedFuture(known)
                        // The archive is PostgreSQL: never read it on a Redis I/O thread.
                        : CompletableFuture.supplyAsync(
                                () -> floor(append.room, append.clientMessageId), slowPath);
        return floor.thenCompose(
                f -> {
                    append.args[FLOOR_ARG] = utf8(Long.toString(f));
                    long started = System.nanoTime();
                    return evaluate(append)
                            .handle(
                                    (result, failure) -> {
                                        redisLatency.record(
                                                System.nanoTime() - started, TimeUnit.NANOSECONDS);
                                        return outcome(append, f, result, failure);
                                    })
                            .thenCompose(done -> next(append, attempt, done));
                });
    }

    /** After one attempt: its result, or the next attempt once the fence opened or seeding ran. */
    private CompletableFuture<Appended> next(Append append, int attempt, Appended done) {
        if (done == FENCED) {
            return attempt(append, attempt + 1);
        }
        if (done == SLOT_MOVING) {
            long now = System.nanoTime();
            if (append.slotMovingSince == 0) {
                append.slotMovingSince = now;
            } else if (now - append.slotMovingSince > slotRetryNanos) {
                log.warn("append to room {} failed: its slot kept moving", append.room);
                return CompletableFuture.failedFuture(
                        new ChatException(
                                ErrorCodes.UNAVAILABLE,
                                "message store unavailable, retry",
                                append.clientMessageId));
            }
            slotRetried.increment();
            Executor later =
                    CompletableFuture.delayedExecutor(
                            SLOT_RETRY_MILLIS, TimeUnit.MILLISECONDS, slowPath);
            return CompletableFuture.runAsync(() -> {}, later)
                    .thenCompose(v -> attempt(append, attempt));
        }
        if (done != null) {
            return CompletableFuture.completedFuture(done);
        }
        return CompletableFuture.runAsync(
                        () -> seedCounter(append.room, append.clientMessageId), slowPath)
                .thenCompose(v -> attempt(append, attempt + 1));
    }

    /**
     * The append script by SHA only while the fence is on: a NOSCRIPT then means a new Redis
     * process, met before the script numbers anything there.
     */
    private CompletableFuture<List<Object>> evaluate(Append append) {
        boolean load = !fence.enabled();
        return durable
                ? scripts.evaluateReplicated(appendScript, append.keys, append.args, load)
                : load
                        ? scripts.evaluate(appendScript, append.keys, append.args)
                        : scripts.evaluateLoaded(appendScript, append.keys, append.args);
    }

    /**
     * The result of one script call: the message's seq, null when the counter was missing, {@link
     * #FENCED} when Redis did not know this server's script (nothing was written).
     */
    private Appended outcome(Append append, long floor, List<?> result, Throwable failure) {
        if (failure != null && fence.enabled() && AsyncScripts.isNoScript(failure)) {
            fence.noScript();
            return FENCED;
        }
        if (failure != null && AsyncScripts.isSlotMoving(failure)) {
            log.debug("append to room {} met its slot moving: {}", append.room, failure.toString());
            return SLOT_MOVING;
        }
        if (failure != null) {
            log.warn("append to room {} failed: {}", append.room, failure.toString());
            throw new ChatException(
                    ErrorCodes.UNAVAILABLE,
                    "message store unavailable, retry",
                    append.clientMessageId);
        }
        long kind = ((Number) result.get(0)).longValue();
        long seq = ((Number) result.get(1)).longValue();
        if (kind != NEW_MESSAGE && kind != RETRY) {
            return null;
        }
        if (result.size() > 2 && ((Number) result.get(2)).longValue() == 1) {
            counterRaised(append.room, floor);
        }
        floors.note(append.room, seq);
        // The message as stored: always for a new one, for a retry while the window holds it. A
        // retry is kept and published like a first attempt, whose reply (and so its entry here)
        // may have been lost, or whose WAIT fell short (it then published nothing).
        if (result.size() > 3 && result.get(3) instanceof byte[] stored) {
            recent.add(new RecentAppends.Entry(append.room, seq, stored, append.keys[0]));
            if (durable) {
                // Only now, so no subscriber sees a message a failover could still take back; a
                // relay that forwarded the seq already drops it.
                scripts.publish(append.args[CHANNEL_ARG], stored);
            }
        }
        return new Appended(seq, kind == RETRY);
    }

    /**
     * The highest seq known to be given out in the room: remembered by this server once it has read
     * the archive for the room, else the higher of what it remembers and the archive's high-water
     * mark (the first message of the room since this server started, or since Redis alone told it).
     */
    private long floor(String room, String clientMessageId) {
        Long known = floors.archiveChecked(room);
        if (known != null) {
            return known;
        }
        if (System.nanoTime() - archiveFailedAt < ARCHIVE_RETRY_NANOS) {
            // PostgreSQL just failed: do not make every SEND wait for its timeout again.
            return floors.getOrZero(room);
        }
        try {
            floors.noteArchived(room, archivedMaxSeq(room, clientMessageId));
            return floors.getOrZero(room);
        } catch (ChatException e) {
            // The counter is there and usually right; a later SEND of the room reads the archive.
            archiveFailedAt = System.nanoTime();
            return floors.getOrZero(room);
        }
    }

    private long archivedMaxSeq(String room, String clientMessageId) {
        try {
            return counters.archivedMaxSeq(room);
        } catch (DataAccessException e) {
            log.warn("cannot read archive high-water mark of room {}: {}", room, e.toString());
            throw new ChatException(
                    ErrorCodes.UNAVAILABLE, "archive unavailable, retry", clientMessageId);
        }
    }

    private void seedCounter(String room, String clientMessageId) {
        long seed = Math.max(archivedMaxSeq(room, clientMessageId), floors.getOrZero(room));
        Boolean seeded = redis.opsForValue().setIfAbsent(keys.roomSeq(room), Long.toString(seed));
        // A new room starts at 0 quietly; a higher seed means Redis lost a counter.
        if (Boolean.TRUE.equals(seeded) && seed > 0) {
            log.warn(
                    "seq counter of room {} was missing (Redis lost data?); seeded at {}",
                    room,
                    seed);
        }
    }

    private void counterRaised(String room, Object to) {
        raised.increment();
        log.warn(
                "seq counter of room {} was below seqs already given out (Redis rolled back?);"
                        + " raised to {}",
                room,
                to);
    }

    @Override
    public long latestSeq(String room, long forwarded) {
        floors.note(room, forwarded);
        String value = redis.opsForValue().get(keys.roomSeq(room));
        long latest = value == null ? 0 : Long.parseLong(value);
        long floor = floors.getOrZero(room);
        if (latest > 0 && latest < floor) {
            if (counters.raise(room, floor)) {
                counterRaised(room, floor);
            }
            value = redis.opsForValue().get(keys.roomSeq(room));
            latest = value == null ? 0 : Long.parseLong(value);
        }
        return latest;
    }

    @Override
    public long[] latestSeqs(List<String> rooms, long[] forwarded) {
        // Floors before the read: every seq given out by then is at or below its counter, so a
        // counter below one lost data; a seq forwarded after the read may pass the counter read.
        long[] before = new long[rooms.size()];
        List<String> counterKeys = new ArrayList<>(rooms.size());
        for (int i = 0; i < before.length; i++) {
            floors.note(rooms.get(i), forwarded[i]);
            before[i] = floors.getOrZero(rooms.get(i));
            counterKeys.add(keys.roomSeq(rooms.get(i)));
        }
        long[] latest = new long[before.length];
        Arrays.fill(latest, UNKNOWN);
        for (int from = 0; from < counterKeys.size(); from += KEYS_PER_READ) {
            int to = Math.min(counterKeys.size(), from + KEYS_PER_READ);
            List<String> values;
            try {
                values = redis.opsForValue().multiGet(counterKeys.subList(from, to));
            } catch (DataAccessException e) {
                // This part stays unknown (a cluster master away fails the whole MGET); the rest
                // are still read.
                log.debug("re-sync read of {} rooms failed: {}", to - from, e.toString());
                continue;
            }
            for (int i = from; values != null && i < to; i++) {
                latest[i] = counter(rooms.get(i), values.get(i - from), before[i]);
            }
        }
        return latest;
    }

    /** A counter read by the re-sync, raised first if below the floor; UNKNOWN if unusable. */
    private long counter(String room, String value, long floor) {
        try {
            long latest = value == null ? 0 : Long.parseLong(value);
            return latest > 0 && latest < floor ? latestSeq(room, 0) : latest;
        } catch (NumberFormatException | DataAccessException e) {
            log.debug("re-sync of room {} skipped: {}", room, e.toString());
            return UNKNOWN;
        }
    }

    @Override
    public void forwarded(String room, long seq) {
        floors.note(room, seq);
    }

    @Override
    public List<String> window(String room, long fromSeq, long toSeq) {
        if (toSeq < fromSeq) {
            return List.of();
        }
        Set<String> range = redis.opsForZSet().rangeByScore(keys.roomWindow(room), fromSeq, toSeq);
        return range == null ? List.of() : new ArrayList<>(range);
    }
}
