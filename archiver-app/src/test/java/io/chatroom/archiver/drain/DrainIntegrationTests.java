package io.chatroom.archiver.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.archiver.ArchiverIntegrationTest;
import io.chatroom.common.ChatMessage;
import io.chatroom.common.RedisKeys;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;

class DrainIntegrationTests extends ArchiverIntegrationTest {
    private static final int MESSAGES = 1_200; // three batches of the default 500

    @Autowired ArchiveDrainer drainer;
    @Autowired MeterRegistry meters;

    @AfterEach
    void noMoreCrashes() {
        drainer.crashHook(CrashHook.NONE);
    }

    /**
     * A crash at any step (simulated by throwing from the hook, which abandons the batch exactly
     * where a kill -9 would) is followed by a restart of draining that reads the same batch again:
     * every message ends up in PostgreSQL once, counted once, and nothing stays in Redis.
     */
    @ParameterizedTest
    @EnumSource(CrashPoint.class)
    void crashAtAnyStepLosesNothingAndDuplicatesNothing(CrashPoint point) {
        String room = "crash-" + point.name().toLowerCase(Locale.ROOT).replace('_', '-');
        int shard = RedisKeys.shardOf(room);
        AtomicInteger crashes = new AtomicInteger();
        drainer.crashHook(
                (reached, inShard) -> {
                    if (reached == point && inShard == shard && crashes.getAndIncrement() < 2) {
                        throw new IllegalStateException("simulated crash at " + point);
                    }
                });
        double archivedBefore = archivedCounter();

        push(messages(room, 1, MESSAGES));

        awaitArchived(room, MESSAGES);
        assertThat(crashes).hasValueGreaterThanOrEqualTo(2);
        assertThat(seqs(room)).containsExactlyElementsOf(range(1, MESSAGES));
        assertThat(archivedCounter() - archivedBefore).isEqualTo(MESSAGES);
        assertThat(summaryCount(room)).isEqualTo(MESSAGES);
    }

    @Test
    void malformedEntriesGoToTheDeadLetterListAndDoNotBlockTheShard() {
        String room = "malformed";
        String queue = keys.archiveQueue(RedisKeys.shardOf(room));
        String badRoom =
                "{\"id\":\"x\",\"room\":\"Not A Room\",\"seq\":1,\"sender\":\"a\",\"text\":\"t\","
                        + "\"sentAt\":\"2025-01-01T00:00:00Z\"}";
        pushRaw(List.of(new String[] {queue, "not json at all"}, new String[] {queue, badRoom}));
        push(messages(room, 1, 9));
        push(
                List.of(
                        new ChatMessage(
                                "nul-id",
                                room,
                                10,
                                "bob",
                                "a\0b",
                                Instant.parse("2025-01-01T00:00:00Z"))));

        awaitArchived(room, 10);
        assertThat(
                        jdbc.queryForObject(
                                "select text from archive.chat_message where room = ? and seq = 10",
                                String.class,
                                room))
                .isEqualTo("a\uFFFDb");
        assertThat(redis.opsForList().range(keys.prefix() + ":archive:dead", 0, -1))
                .containsExactly("not json at all", badRoom);
    }

    /**
     * PostgreSQL refusing every insert (the table renamed away, as good as a dead database for the
     * drainer) keeps the backlog in Redis; once it is back, the archive catches up exactly.
     */
    @Test
    void postgresUnavailableKeepsTheBacklogInRedisUntilItReturns() {
        String room = "pg-down";
        int shard = RedisKeys.shardOf(room);
        AtomicInteger taken = new AtomicInteger();
        drainer.crashHook(
                (reached, inShard) -> {
                    if (reached == CrashPoint.AFTER_TAKE && inShard == shard) {
                        taken.incrementAndGet();
                    }
                });
        jdbc.execute("alter table archive.chat_message rename to chat_message_offline");
        try {
            push(messages(room, 1, 700));
            // The first batch was taken, failed, and taken again: still in Redis, not lost.
            await().atMost(PATIENCE).until(() -> taken.get() >= 2);
            assertThat(backlog()).isEqualTo(700);
            assertThat(meters.get("chatroom.archive.lag").gauge().value()).isEqualTo(700);
        } finally {
            jdbc.execute("alter table archive.chat_message_offline rename to chat_message");
        }
        awaitArchived(room, 700);
        assertThat(seqs(room)).containsExactlyElementsOf(range(1, 700));
    }

    /**
     * An archiver from before the queue was read in place left a batch in the processing list (it
     * moved it there, then died): that batch is archived first, the queue after it, and both lists
     * end empty. A drain never copies into the processing list now.
     */
    @Test
    void aBatchLeftInTheProcessingListByAnOlderArchiverIsArchivedFirst() {
        String room = "left-over";
        int shard = RedisKeys.shardOf(room);
        List<String[]> leftOver = new ArrayList<>();
        for (ChatMessage m : messages(room, 1, 300)) {
            leftOver.add(new String[] {keys.archiveProcessing(shard), json.writeValueAsString(m)});
        }
        // Reached for each batch taken from the queue (not for left-overs).
        AtomicInteger copied = new AtomicInteger();
        drainer.crashHook(
                (reached, inShard) -> {
                    Long processing = redis.opsForList().size(keys.archiveProcessing(shard));
                    if (reached == CrashPoint.AFTER_TAKE
                            && inShard == shard
                            && processing != null
                            && processing > 0) {
                        copied.incrementAndGet();
                    }
                });
        pushRaw(leftOver);
        push(messages(room, 301, 700));

        awaitArchived(room, 1_000);
        assertThat(seqs(room)).containsExactlyElementsOf(range(1, 1_000));
        assertThat(redis.opsForList().size(keys.archiveProcessing(shard))).isZero();
        assertThat(copied).as("batches from the queue copied to the processing list").hasValue(0);
    }

    private double archivedCounter() {
        return meters.get("chatroom.archive.messages").counter().count();
    }

    private List<Long> seqs(String room) {
        return jdbc.queryForList(
                "select seq from archive.chat_message where room = ? order by seq",
                Long.class,
                room);
    }

    private long summaryCount(String room) {
        Long n =
                jdbc.queryForObject(
                        "select messages from archive.room_summary where room = ?",
                        Long.class,
                        room);
        return n == null ? 0 : n;
    }

    static List<Long> range(long from, long toInclusive) {
        return java.util.stream.LongStream.rangeClosed(from, toInclusive).boxed().toList();
    }
}
