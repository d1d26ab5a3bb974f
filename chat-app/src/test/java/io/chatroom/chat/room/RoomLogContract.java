package io.chatroom.chat.room;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.room.RoomLog.Appended;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every {@link RoomLog} does, as {@link RoomStream} and the SEND path rely on it: seqs 1..N
 * per room, idempotent retries, a window that keeps at least its size (fewer than 64 more) and is
 * read by inclusive seq range, and seqs never given out twice when the store loses data or rolls
 * back. Run against the Redis log ({@link RedisRoomLogIntegrationTests}) and the in-memory fake the
 * unit tests use ({@link InMemoryRoomLogTests}), so the fake cannot drift from the real thing.
 */
abstract class RoomLogContract {
    /** The smallest window the app accepts; both logs are built with it. */
    static final int WINDOW = ChatroomProperties.MIN_WINDOW_SIZE;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    private RoomLog log;

    /** A fresh room per test: the Redis log and its key prefix are shared by the class. */
    private String room;

    /** The log under test, with a window of {@link #WINDOW} messages. */
    abstract RoomLog log();

    /** The store loses everything it held of the room (at least), as after a flush or a crash. */
    abstract void loseRoom(String room);

    /** What the store holds of the room (at least) now, for {@link #rollBack}. */
    abstract Object snapshot(String room);

    /** The store comes back with the data of an older snapshot (a restore, a lagging replica). */
    abstract void rollBack(String room, Object snapshot);

    @BeforeEach
    void freshRoom() {
        log = log();
        room = "contract-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private Appended append(String room, String sender, String clientMessageId, String text) {
        return log.append(room, sender, clientMessageId, text)
                .orTimeout(10, TimeUnit.SECONDS)
                .join();
    }

    private long append(String clientMessageId) {
        Appended appended = append(room, "ann", clientMessageId, "hello");
        assertThat(appended.retry()).as("retry").isFalse();
        return appended.seq();
    }

    private List<Long> appendMany(int count) {
        return LongStream.range(0, count)
                .map(i -> append("m" + UUID.randomUUID()))
                .boxed()
                .toList();
    }

    private List<Long> windowSeqs(long fromSeq, long toSeq) {
        return log.window(room, fromSeq, toSeq).stream().map(MessageJson::seq).toList();
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void eachRoomIsNumberedFromOneInAppendOrder() {
        String other = room + "-other";

        assertThat(append("a1")).isEqualTo(1);
        assertThat(append(other, "ann", "b1", "hi").seq()).isEqualTo(1);
        assertThat(append("a2")).isEqualTo(2);
        assertThat(append("a3")).isEqualTo(3);
        assertThat(append(other, "ann", "b2", "hi").seq()).isEqualTo(2);

        assertThat(log.latestSeq(room, 0)).isEqualTo(3);
        assertThat(log.latestSeq(other, 0)).isEqualTo(2);
        assertThat(windowSeqs(1, 10)).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aRetryWithTheSameClientMessageIdGetsTheOriginalSeqAndStoresNothing() {
        append("m1");
        append("m2");

        Appended retry = append(room, "ann", "m1", "sent again, other text");

        assertThat(retry).isEqualTo(new Appended(1, true));
        assertThat(log.latestSeq(room, 0)).isEqualTo(2);
        assertThat(log.window(room, 1, 10)).hasSize(2);
        assertThat(JSON.readTree(log.window(room, 1, 1).get(0)).get("text").asString())
                .isEqualTo("hello");
    }

    @Test
    void clientMessageIdsAreScopedBySenderAndByRoom() {
        append("same");

        // Nobody suppresses another user's message by reusing its id.
        assertThat(append(room, "bob", "same", "hi")).isEqualTo(new Appended(2, false));
        assertThat(append(room + "-other", "ann", "same", "hi")).isEqualTo(new Appended(1, false));
    }

    @Test
    void theWindowHoldsTheMessageAsJsonWithItsFields() {
        String text = "quote \" backslash \\ newline \n unicode é 💬";
        append(room, "ann \"the\" sender", "m1", text);

        List<String> window = log.window(room, 1, 1);

        assertThat(window).hasSize(1);
        JsonNode message = JSON.readTree(window.get(0));
        assertThat(message.get("id").asString()).isNotBlank();
        assertThat(message.get("room").asString()).isEqualTo(room);
        assertThat(message.get("seq").asLong()).isEqualTo(1);
        assertThat(message.get("sender").asString()).isEqualTo("ann \"the\" sender");
        assertThat(message.get("text").asString()).isEqualTo(text);
        // Always with milliseconds: the relay reads sentAt by position (MessageJson).
        String sentAt = message.get("sentAt").asString();
        assertThat(sentAt).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(Duration.between(Instant.parse(sentAt), Instant.now()).abs())
                .isLessThan(CLOCK_SKEW);
        assertThat(MessageJson.seq(window.get(0))).isEqualTo(1);
        assertThat(MessageJson.sentAtMillis(window.get(0)))
                .isEqualTo(Instant.parse(sentAt).toEpochMilli());
    }

    @Test
    void theWindowIsReadByAnInclusiveSeqRangeOldestFirst() {
        appendMany(5);

        assertThat(windowSeqs(2, 4)).containsExactly(2L, 3L, 4L);
        assertThat(windowSeqs(4, Long.MAX_VALUE)).containsExactly(4L, 5L);
        assertThat(windowSeqs(3, 3)).containsExactly(3L);
        assertThat(windowSeqs(5, 4)).isEmpty();
        assertThat(windowSeqs(6, 100)).isEmpty();
        assertThat(log.window(room + "-unknown", 1, 100)).isEmpty();
    }

    @Test
    void theWindowKeepsAtLeastTheLastWindowSizeMessagesAndRetriesOutliveIt() {
        assertThat(append("first")).isEqualTo(1);
        // Past two multiples of 64 beyond the window: a log may trim in steps of up to 64.
        int count = WINDOW + 2 * 64 + 5;
        assertThat(appendMany(count)).isEqualTo(range(2, count + 1));

        List<Long> window = windowSeqs(1, Long.MAX_VALUE);
        long newest = count + 1;
        assertThat(window).endsWith(range(newest - WINDOW + 1, newest).toArray(Long[]::new));
        assertThat(window.size()).isBetween(WINDOW, WINDOW + 63);
        assertThat(window).isEqualTo(range(window.get(0), newest));
        // Seq 1 left the window; a retry of its message still finds it.
        assertThat(append(room, "ann", "first", "hello")).isEqualTo(new Appended(1, true));
    }

    @Test
    void latestSeqIsZeroForANewRoomAndNeverLowersTheCounter() {
        assertThat(log.latestSeq(room, 0)).isZero();
        appendMany(5);

        assertThat(log.latestSeq(room, 2)).isEqualTo(5);
        assertThat(append("next")).isEqualTo(6);
    }

    @Test
    void latestSeqsReadsSeveralRoomsAtOnceAndRaisesARolledBackCounter() {
        String other = room + "-other";
        String unused = room + "-unused";
        appendMany(3);
        append(other, "ann", "o1", "hello");
        Object old = snapshot(room);
        appendMany(2);

        assertThat(log.latestSeqs(List.of(room, unused, other), new long[3]))
                .containsExactly(5, 0, 1);

        rollBack(room, old);
        assertThat(log.latestSeqs(List.of(other, room), new long[2])).containsExactly(1, 5);
        assertThat(append("after")).isEqualTo(6);

        // A forwarded seq is a floor too: another server gave out up to 9 and this one saw it.
        assertThat(log.latestSeqs(List.of(room), new long[] {9})).containsExactly(9);
        assertThat(append("above")).isEqualTo(10);
    }

    @Test
    void latestSeqsKeepsEachRoomInItsPlaceAcrossMoreRoomsThanOneReadTakes() {
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < 2_345; i++) {
            rooms.add(room + "-" + i);
        }
        List<Integer> used = List.of(0, 999, 1_000, 2_001, 2_344);
        for (int i : used) {
            for (int n = 0; n <= i % 3; n++) {
                append(rooms.get(i), "ann", "m" + n, "hello");
            }
        }

        long[] latest = log.latestSeqs(rooms, new long[rooms.size()]);

        assertThat(latest).hasSize(rooms.size());
        for (int i = 0; i < latest.length; i++) {
            assertThat(latest[i]).as(rooms.get(i)).isEqualTo(used.contains(i) ? i % 3 + 1 : 0);
        }
    }

    @Test
    void aCounterBelowAForwardedSeqIsRaisedByLatestSeqAndTheNextAppendGoesAbove() {
        appendMany(3);
        // Another server gave out 4..10 and this one forwarded them; then the store rolled back.

        assertThat(log.latestSeq(room, 10)).isEqualTo(10);
        assertThat(append("next")).isEqualTo(11);
        assertThat(windowSeqs(1, 20)).containsExactly(1L, 2L, 3L, 11L);
    }

    @Test
    void aForwardedSeqIsAFloorForTheNextAppendEvenWithoutLatestSeq() {
        appendMany(3);
        log.forwarded(room, 10);
        // A floor never goes down.
        log.forwarded(room, 4);

        assertThat(append("next")).isEqualTo(11);
        assertThat(log.latestSeq(room, 0)).isEqualTo(11);
    }

    @Test
    void aStoreRolledBackBelowAnAckedSeqNumbersOnAboveIt() {
        appendMany(3);
        Object old = snapshot(room);
        appendMany(2);

        rollBack(room, old);

        assertThat(log.latestSeq(room, 0)).isEqualTo(5);
        assertThat(append("after")).isEqualTo(6);
        assertThat(windowSeqs(1, 10)).containsExactly(1L, 2L, 3L, 6L);
    }

    @Test
    void afterARollBackARetryOfALostMessageIsStoredAgainAboveEverySeqGivenOut() {
        appendMany(2);
        Object old = snapshot(room);
        append("lost");

        rollBack(room, old);

        // The store forgot the message and its id: stored anew, under a seq nobody has seen.
        assertThat(append(room, "ann", "lost", "hello")).isEqualTo(new Appended(4, false));
    }

    @Test
    void aStoreThatLostTheRoomLeavesTheCounterMissingUntilTheNextAppendWhichGoesAbove() {
        appendMany(3);
        log.forwarded(room, 5);

        loseRoom(room);

        // Nothing to read: RoomStream.dataLost moves its cursor back to 0 and lets seqs 6.. in.
        assertThat(log.latestSeq(room, 5)).isZero();
        assertThat(log.window(room, 1, 10)).isEmpty();
        assertThat(append("after")).isEqualTo(6);
        assertThat(log.latestSeq(room, 0)).isEqualTo(6);
        assertThat(windowSeqs(1, 10)).containsExactly(6L);
    }
}
