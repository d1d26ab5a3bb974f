package io.chatroom.archiver.drain;

import io.chatroom.archiver.config.ChatroomProperties;
import io.chatroom.common.ChatMessage;
import io.chatroom.common.ChatRules;
import io.chatroom.common.RedisKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Moves every message from the Redis archive queues into PostgreSQL exactly once. Per shard, under
 * a lease: read a batch from the head of the queue, insert it idempotently, commit, and only then
 * trim it from the queue. A crash between any two steps leaves the batch in Redis for the next
 * holder of the lease, and the primary key makes the retry harmless. Each worker does this for all
 * its shards at once, a round at a time: one pipelined round trip takes every shard's batch, one
 * transaction commits them all, one round trip removes them (the per-batch round trips and commits
 * were most of the archiver's cost per message).
 */
@Component
public class ArchiveDrainer implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ArchiveDrainer.class);

    private final ArchiveQueue queue;
    private final ArchiveWriter writer;
    private final JsonMapper json;
    private final ChatroomProperties.Archive settings;
    private final String token = UUID.randomUUID().toString();
    private final Object wakeUp = new Object();
    private final Counter archived;
    private final Counter conflicts;
    private final DistributionSummary batchSizes;
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running;
    private volatile CrashHook crashHook = CrashHook.NONE;

    ArchiveDrainer(
            ArchiveQueue queue,
            ArchiveWriter writer,
            JsonMapper json,
            ChatroomProperties properties,
            MeterRegistry meters) {
        this.queue = queue;
        this.writer = writer;
        this.json = json;
        this.settings = properties.archive();
        this.archived =
                Counter.builder("chatroom.archive.messages")
                        .description("Messages newly committed to PostgreSQL")
                        .register(meters);
        this.conflicts =
                Counter.builder("chatroom.archive.conflicts")
                        .description(
                                "Messages kept in archive.chat_message_conflict: their (room, seq)"
                                        + " already held another message id")
                        .register(meters);
        this.batchSizes =
                DistributionSummary.builder("chatroom.archive.batch.size")
                        .description("Messages per archive batch")
                        .register(meters);
        Gauge.builder("chatroom.archive.lag", this, ArchiveDrainer::lagOrNaN)
                .description("Messages in Redis not yet committed to PostgreSQL")
                .register(meters);
    }

    /** Tests install a hook that throws at a chosen step to simulate a crash there. */
    void crashHook(CrashHook hook) {
        this.crashHook = hook;
    }

    @Override
    public void start() {
        if (!settings.enabled()) {
            log.info("Archive draining is off (chatroom.archive.enabled=false)");
            return;
        }
        running = true;
        for (int i = 0; i < settings.workers(); i++) {
            List<Integer> shards = new ArrayList<>();
            for (int shard = i; shard < RedisKeys.SHARDS; shard += settings.workers()) {
                shards.add(shard);
            }
            Thread worker = new Thread(() -> work(shards), "archive-drain-" + i);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
        log.info("Draining {} archive shards with {} workers", RedisKeys.SHARDS, workers.size());
    }

    @Override
    public void stop() {
        running = false;
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
        for (Thread worker : workers) {
            try {
                worker.join(settings.leaseTtl().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        workers.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void work(List<Integer> shards) {
        while (running) {
            boolean failed = false;
            boolean full = false;
            Set<Integer> held = new HashSet<>();
            try {
                long[] lengths = queue.lengths(shards);
                List<Integer> ready = new ArrayList<>();
                for (int i = 0; i < shards.size(); i++) {
                    if (lengths[i] > 0) {
                        ready.add(shards.get(i));
                        full |= lengths[i] >= settings.batchSize();
                    }
                }
                for (int turn = 0;
                        turn < settings.batchesPerTurn() && !ready.isEmpty() && running;
                        turn++) {
                    ready = drainRound(ready, held);
                }
            } catch (RuntimeException e) {
                // Redis or PostgreSQL is down, or a simulated crash: the batches stay in Redis.
                log.warn(
                        "Archive drain failed, retrying in {}: {}",
                        settings.errorBackoff(),
                        e.toString());
                failed = true;
            } finally {
                releaseQuietly(held);
            }
            if (failed) {
                pause(settings.errorBackoff().toMillis());
            } else if (held.isEmpty()) {
                pause(settings.pollInterval().toMillis());
            } else if (!full) {
                // A steady trickle would otherwise be drained a few messages per batch, each
                // round costing the same round trips and commit as a full one.
                pause(settings.linger().toMillis());
            }
        }
    }

    /**
     * One batch from each of the given shards whose lease this archiver gets, all committed in one
     * transaction: left-overs in a processing list first, else the head of the queue. A crash
     * between any two steps leaves the batches where they were read for the next round (or the next
     * holder of a lease), and the primary key makes the retry harmless.
     *
     * @param held collects the shards whose lease was taken, to be released after the turn
     * @return the shards whose batch was full or left-overs and whose lease is still held: more may
     *     be waiting
     */
    private List<Integer> drainRound(List<Integer> shards, Set<Integer> held) {
        List<ArchiveQueue.Batch> taken =
                queue.take(shards, settings.batchSize(), token, settings.leaseTtl());
        List<ArchiveQueue.Batch> batches = new ArrayList<>(taken.size());
        for (ArchiveQueue.Batch batch : taken) {
            held.add(batch.shard());
            if (!batch.entries().isEmpty()) {
                batches.add(batch);
            }
        }
        if (batches.isEmpty()) {
            return List.of();
        }
        for (ArchiveQueue.Batch batch : batches) {
            if (!batch.leftOver()) {
                crashHook.reached(CrashPoint.AFTER_TAKE, batch.shard());
            }
        }
        List<ChatMessage> messages = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        for (ArchiveQueue.Batch batch : batches) {
            for (String entry : batch.entries()) {
                ChatMessage message = parse(entry);
                if (message == null) {
                    malformed.add(entry);
                } else {
                    messages.add(message);
                }
            }
        }
        ArchiveWriter.Written written =
                writer.insert(
                        messages,
                        () ->
                                batches.forEach(
                                        batch ->
                                                crashHook.reached(
                                                        CrashPoint.AFTER_INSERT_BEFORE_COMMIT,
                                                        batch.shard())));
        archived.increment(written.inserted());
        reportConflicts(written.conflicts());
        for (ArchiveQueue.Batch batch : batches) {
            batchSizes.record(batch.entries().size());
            crashHook.reached(CrashPoint.AFTER_COMMIT_BEFORE_REMOVE, batch.shard());
        }
        if (!malformed.isEmpty()) {
            queue.deadLetter(malformed);
            log.error(
                    "Moved {} malformed archive entries to {}",
                    malformed.size(),
                    queue.deadLetterKey());
        }
        List<Integer> stillHeld = queue.done(batches, token, settings.leaseTtl());
        List<Integer> more = new ArrayList<>();
        for (ArchiveQueue.Batch batch : batches) {
            // Left-overs (after a crash or an outage) may have a queue behind them: go on at once.
            boolean mayHaveMore =
                    batch.leftOver() || batch.entries().size() >= settings.batchSize();
            if (mayHaveMore && stillHeld.contains(batch.shard())) {
                more.add(batch.shard());
            }
        }
        return more;
    }

    private void releaseQuietly(Set<Integer> held) {
        try {
            queue.release(held, token);
        } catch (RuntimeException e) {
            // The leases expire on their own (chatroom.archive.lease-ttl).
            log.debug("releasing archive leases failed: {}", e.toString());
        }
    }

    /**
     * After the commit, so a rolled-back batch is neither counted nor logged twice; the message
     * text stays out of the log (it is in the table).
     */
    private void reportConflicts(List<ArchiveWriter.Conflict> kept) {
        for (ArchiveWriter.Conflict c : kept) {
            conflicts.increment();
            log.error(
                    "Archive conflict: room {} seq {} already holds message {}; message {} kept in"
                            + " archive.chat_message_conflict",
                    c.room(),
                    c.seq(),
                    c.storedId(),
                    c.id());
        }
    }

    private ChatMessage parse(String entry) {
        try {
            ChatMessage m = json.readValue(entry, ChatMessage.class);
            boolean valid =
                    m != null
                            && ChatRules.isValidRoom(m.room())
                            && m.seq() > 0
                            && m.id() != null
                            && !m.id().isBlank()
                            && m.sender() != null
                            && m.text() != null
                            && m.sentAt() != null;
            return valid ? withoutNul(m) : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    /**
     * PostgreSQL text cannot hold U+0000; one such message would otherwise fail its batch forever.
     * It is archived with U+FFFD in place of each NUL rather than lost.
     */
    private static ChatMessage withoutNul(ChatMessage m) {
        if (!hasNul(m.id()) && !hasNul(m.sender()) && !hasNul(m.text())) {
            return m;
        }
        log.warn("Archiving {}#{} with NUL characters replaced by U+FFFD", m.room(), m.seq());
        return new ChatMessage(
                noNul(m.id()), m.room(), m.seq(), noNul(m.sender()), noNul(m.text()), m.sentAt());
    }

    private static boolean hasNul(String s) {
        return s.indexOf('\0') >= 0;
    }

    private static String noNul(String s) {
        return s.replace('\0', '\uFFFD');
    }

    private void pause(long millis) {
        synchronized (wakeUp) {
            if (!running) {
                return;
            }
            try {
                wakeUp.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private double lagOrNaN() {
        try {
            return queue.backlog();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
