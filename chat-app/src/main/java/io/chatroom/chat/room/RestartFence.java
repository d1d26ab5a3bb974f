package io.chatroom.chat.room;

import io.chatroom.chat.AsyncScripts;
import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.RedisScripts;
import io.chatroom.common.RedisKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.stereotype.Component;

/**
 * Keeps a Redis that came back with older data from giving out a seq twice, whichever server sends
 * next.
 *
 * <p>A server's floors ({@link SeqFloors}) cover what it has seen, but another server may have
 * given out seqs this one has not heard of (their pub/sub was still in flight, or died with the
 * crash). So when Redis is a new process (restarted from whatever it had on disk, or a promoted
 * replica), every server raises all the counters it knows, and nobody numbers a message before all
 * had the time to: the first server to meet the process sets, with SET NX and Redis's clock, a
 * moment {@code chatroom.relay.restart-grace} ahead, and every server holds its SENDs until then.
 *
 * <p>A server meets a new process in one of two ways, whichever comes first. Its append script is
 * its own (a comment with a random id gives it a SHA no other server uses, and only this fence
 * loads it), so its first EVALSHA there fails with NOSCRIPT before anything is numbered: nothing
 * slips through between a restart and a probe. An idle server learns it from its probe, which asks
 * Redis for its run id every {@code chatroom.relay.restart-probe-interval}. A server that meets the
 * process only after the others went on (it was stalled longer than the grace) still raises its
 * counters, and a counter it finds behind is counted ({@code chatroom.seq.late}) and logged as an
 * ERROR: those seqs may have been given out twice.
 *
 * <p>On Redis Cluster this fence stays open: there a failover keeps acked messages when {@code
 * chatroom.durability.replicas} is at least 1 (WAIT), see docs/reliability.md.
 */
@Component
class RestartFence implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(RestartFence.class);

    /** Messages written back per script call. */
    private static final int REWRITE_BATCH = 200;

    /** How long a fence key outlives its process's start; a later first meeting waits once. */
    private static final Duration FENCE_TTL = Duration.ofDays(7);

    private static final CompletableFuture<Void> OPEN = CompletableFuture.completedFuture(null);

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final SeqFloors floors;
    private final RecentAppends recent;
    private final byte[] rewriteScript;
    private final RoomKeyBytes keyBytes;
    private final Counter rewritten;

    /**
     * The fence's own thread: while Redis does not answer, each probe waits out the command
     * timeout, which must not hold up the app's shared periodic work (heartbeats among it).
     */
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(
                    task -> {
                        Thread thread = new Thread(task, "redis-restart-fence");
                        thread.setDaemon(true);
                        return thread;
                    });

    private final DefaultRedisScript<List> appendScript;
    private final SeqCounters counters;
    private final long graceMillis;
    private final boolean enabled;
    private final Counter restarts;
    private final Counter late;

    /** The run id of the Redis process this server has met; only {@link #probe} writes it. */
    private volatile String runId;

    /** Meetings so far: an opening scheduled by an earlier one does nothing. */
    private long meetings;

    /** Whether the current meeting's opening is still ahead (a probe then leaves it alone). */
    private boolean openingScheduled;

    /** Completes when SENDs may go on; replaced by an open one when a NOSCRIPT closes it. */
    private volatile CompletableFuture<Void> gate = new CompletableFuture<>();

    RestartFence(
            StringRedisTemplate redis,
            RedisKeys keys,
            RoomKeyBytes keyBytes,
            SeqFloors floors,
            RecentAppends recent,
            AsyncScripts scripts,
            SeqCounters counters,
            ChatroomProperties properties,
            MeterRegistry meters) {
        this.redis = redis;
        this.keys = keys;
        this.floors = floors;
        this.recent = recent;
        this.rewriteScript =
                RedisScripts.load("scripts/rewrite-messages.lua", Long.class)
                        .getScriptAsString()
                        .getBytes(StandardCharsets.UTF_8);
        this.keyBytes = keyBytes;
        DefaultRedisScript<List> shared =
                RedisScripts.load("scripts/append-message.lua", List.class);
        this.appendScript =
                new DefaultRedisScript<>(
                        shared.getScriptAsString() + "\n-- server instance " + UUID.randomUUID(),
                        List.class);
        this.counters = counters;
        this.graceMillis = properties.relay().restartGrace().toMillis();
        this.enabled = !scripts.cluster();
        this.restarts =
                Counter.builder("chatroom.redis.restarts")
                        .description("new Redis processes met (restart or failover): SENDs held")
                        .register(meters);
        this.rewritten =
                Counter.builder("chatroom.messages.rewritten")
                        .description("acked messages a restarted Redis had lost, written back")
                        .register(meters);
        this.late =
                Counter.builder("chatroom.seq.late")
                        .description(
                                "room counters found behind this server's seqs after SENDs resumed")
                        .register(meters);
        if (enabled) {
            long interval = properties.relay().restartProbeInterval().toMillis();
            scheduler.scheduleWithFixedDelay(this::probeSafely, 0, interval, TimeUnit.MILLISECONDS);
        } else {
            gate = OPEN;
        }
    }

    /** The append script of this server alone: only this fence loads it into Redis. */
    DefaultRedisScript<List> appendScript() {
        return appendScript;
    }

    /** Whether appends must run by SHA only, so that a NOSCRIPT reaches {@link #noScript}. */
    boolean enabled() {
        return enabled;
    }

    /** Completes when SENDs may be numbered; already complete in the steady state. */
    CompletableFuture<Void> ready() {
        return gate;
    }

    /**
     * An append found this server's script missing: Redis is a new process (or its scripts were
     * flushed). Holds SENDs and asks Redis who it is now.
     */
    void noScript() {
        synchronized (this) {
            if (gate.isDone()) {
                gate = new CompletableFuture<>();
            }
        }
        scheduler.execute(this::probeSafely);
    }

    @Override
    public void destroy() {
        scheduler.shutdownNow();
    }

    /** A periodic task that throws is never run again: nothing may escape a probe. */
    private void probeSafely() {
        try {
            probe();
        } catch (RuntimeException e) {
            log.warn("restart probe failed: {}", e.toString());
        }
    }

    /** Asks Redis for its run id; a new one (or a closed gate) runs the meeting. */
    synchronized void probe() {
        String current;
        try {
            current = currentRunId();
        } catch (DataAccessException e) {
            log.debug("restart probe skipped, Redis unavailable: {}", e.toString());
            return;
        }
        if (current == null || (current.equals(runId) && (gate.isDone() || openingScheduled))) {
            return;
        }
        try {
            meet(current);
        } catch (DataAccessException e) {
            // The next probe tries again; SENDs wait or time out as "unavailable" meanwhile.
            log.warn("could not settle with Redis process {}: {}", current, e.toString());
        }
    }

    private void meet(String current) {
        CompletableFuture<Void> held = gate;
        if (held.isDone()) {
            held = new CompletableFuture<>();
            gate = held;
        }
        long waitMillis = 0;
        if (!current.equals(runId)) {
            long now = redisMillis();
            String key = keys.restartFence(current);
            redis.opsForValue().setIfAbsent(key, Long.toString(now + graceMillis), FENCE_TTL);
            String until = redis.opsForValue().get(key);
            waitMillis = until == null ? graceMillis : Long.parseLong(until) - now;
            int rewritten = rewriteRecent();
            int raised = raiseAll();
            floors.recheckArchive();
            if (runId != null) {
                restarts.increment();
                log.warn(
                        "Redis is a new process (run id {}, was {}): wrote back {} acked messages"
                                + " it had lost, raised {} room counters to this server's seqs;"
                                + " SENDs held {} ms",
                        current,
                        runId,
                        rewritten,
                        raised,
                        Math.max(0, waitMillis));
            }
            if (waitMillis < 0 && raised > 0) {
                late.increment(raised);
                log.error(
                        "{} room counters were behind seqs this server gave out, found {} ms after"
                                + " SENDs resumed on the new Redis process: those seqs may have"
                                + " been given out twice (this server was stalled longer than"
                                + " chatroom.relay.restart-grace)",
                        raised,
                        -waitMillis);
            }
        }
        runId = current;
        long thisMeeting = ++meetings;
        CompletableFuture<Void> opening = held;
        if (waitMillis > 0) {
            openingScheduled = true;
            scheduler.schedule(() -> open(thisMeeting, opening), waitMillis, TimeUnit.MILLISECONDS);
        } else {
            open(thisMeeting, opening);
        }
    }

    /**
     * Loads this server's script and lets SENDs go. Not earlier: an append that passed the gate
     * before it closed (its call still waiting for Redis to come back) must meet NOSCRIPT too,
     * however late it reaches Redis. A later meeting (Redis restarted again) cancels this one.
     */
    private synchronized void open(long meeting, CompletableFuture<Void> opening) {
        if (meeting != meetings) {
            return;
        }
        openingScheduled = false;
        try {
            loadAppendScript();
        } catch (DataAccessException e) {
            // The gate stays closed; the next probe meets the process again and opens it.
            log.warn("could not load the append script, SENDs stay held: {}", e.toString());
            return;
        }
        opening.complete(null);
    }

    /**
     * Writes back the messages this server appended lately that the process does not hold (their
     * seq is above its counter): to the archive queue, the window and the room's channel, with
     * their idempotency keys, so a client retrying one gets its seq. Returns how many.
     */
    private int rewriteRecent() {
        int rewritten = 0;
        for (List<RecentAppends.Entry> room : recent.byRoom().values()) {
            for (int from = 0; from < room.size(); from += REWRITE_BATCH) {
                List<RecentAppends.Entry> batch =
                        room.subList(from, Math.min(room.size(), from + REWRITE_BATCH));
                rewritten += rewrite(batch);
            }
        }
        if (rewritten > 0) {
            this.rewritten.increment(rewritten);
        }
        return rewritten;
    }

    private int rewrite(List<RecentAppends.Entry> batch) {
        String room = batch.get(0).room();
        byte[][] keys = new byte[3 + batch.size()][];
        byte[][] args = new byte[3 + 2 * batch.size()][];
        System.arraycopy(keyBytes.store(room), 0, keys, 0, 3);
        args[0] = keyBytes.windowSize();
        args[1] = keyBytes.idempotencyTtlSeconds();
        args[2] = keyBytes.channel(room);
        for (int i = 0; i < batch.size(); i++) {
            RecentAppends.Entry entry = batch.get(i);
            keys[3 + i] = entry.idempotencyKey();
            args[3 + 2 * i] = RoomKeyBytes.utf8(Long.toString(entry.seq()));
            args[4 + 2 * i] = entry.json();
        }
        Long count =
                redis.execute(
                        (RedisCallback<Long>)
                                connection ->
                                        connection
                                                .scriptingCommands()
                                                .eval(
                                                        rewriteScript,
                                                        ReturnType.INTEGER,
                                                        keys.length,
                                                        concat(keys, args)));
        return count == null ? 0 : count.intValue();
    }

    private static byte[][] concat(byte[][] keys, byte[][] args) {
        byte[][] all = new byte[keys.length + args.length][];
        System.arraycopy(keys, 0, all, 0, keys.length);
        System.arraycopy(args, 0, all, keys.length, args.length);
        return all;
    }

    /**
     * Raises every counter this server knows to its floor; returns how many were behind. A missing
     * counter (Redis came back empty) is seeded with the floor at once and then raised to the
     * archive's {@code max(seq)} if that is higher, as a SEND would seed it, but before anyone
     * numbers a message: the next SEND of a server that knows less would seed it lower.
     */
    private int raiseAll() {
        SeqCounters.Raised raised =
                counters.raise(
                        SeqCounters.Missing.REPORT, new ArrayList<>(floors.all().entrySet()));
        if (!raised.missing().isEmpty()) {
            seed(raised.missing());
        }
        return raised.count();
    }

    private void seed(List<Map.Entry<String, Long>> missing) {
        // From the floors first, at once: waiting for PostgreSQL (up to its connection timeout,
        // longer than the grace) would let another server's first SEND seed the counter from
        // what it knows, below this server's acked messages not yet archived.
        counters.raise(SeqCounters.Missing.SEED, missing);
        Map<String, Long> archived;
        try {
            archived = counters.archivedMaxSeqs(missing.stream().map(Map.Entry::getKey).toList());
        } catch (DataAccessException e) {
            // A server's first SEND of a room still passes the archive's max(seq) once PostgreSQL
            // answers (SeqFloors), raising the counter past anything archived that no floor holds.
            log.warn(
                    "seeded {} room counters Redis no longer had from this server's floors; cannot"
                            + " read the archive to raise them further: {}",
                    missing.size(),
                    e.toString());
            return;
        }
        List<Map.Entry<String, Long>> higher = new ArrayList<>();
        for (Map.Entry<String, Long> floor : missing) {
            long archive = archived.getOrDefault(floor.getKey(), 0L);
            if (archive > floor.getValue()) {
                higher.add(Map.entry(floor.getKey(), archive));
            }
        }
        if (!higher.isEmpty()) {
            counters.raise(SeqCounters.Missing.SEED, higher);
        }
        log.warn("seeded {} room counters Redis no longer had", missing.size());
    }

    private void loadAppendScript() {
        byte[] text = appendScript.getScriptAsString().getBytes(StandardCharsets.UTF_8);
        redis.execute(
                (RedisCallback<String>)
                        connection -> connection.scriptingCommands().scriptLoad(text));
    }

    private String currentRunId() {
        Properties info =
                redis.execute(
                        (RedisCallback<Properties>)
                                connection -> connection.serverCommands().info("server"));
        return info == null ? null : info.getProperty("run_id");
    }

    private long redisMillis() {
        Long millis =
                redis.execute(
                        (RedisCallback<Long>) connection -> connection.serverCommands().time());
        return millis == null ? System.currentTimeMillis() : millis;
    }
}
