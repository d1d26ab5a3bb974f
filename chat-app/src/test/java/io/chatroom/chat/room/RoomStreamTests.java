package io.chatroom.chat.room;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A room's ordered stream against an in-memory log: whatever pub/sub does (drop, repeat, lag) and
 * whatever the store does (trim, lose data, roll back, stop answering), every subscriber sees each
 * seq at most once, in order, and without a gap the window could fill.
 */
class RoomStreamTests {
    private static final String ROOM = "lobby";
    private static final int WINDOW = 20;

    private final InMemoryRoomLog log = new InMemoryRoomLog(WINDOW);
    private final RecordingSink sink = new RecordingSink();
    private final RelayMeters meters = RelayMeters.register(new SimpleMeterRegistry());

    private RoomStream stream(String room) {
        RoomStream stream = new RoomStream(room, log, sink, meters);
        stream.start();
        return stream;
    }

    private List<String> send(String room, int count) {
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            log.appendNow(room, "ann", "m" + log.published.size(), "hello");
            sent.add(log.published.get(log.published.size() - 1));
        }
        return sent;
    }

    /** One periodic re-sync of the stream, its counter read as the relay reads it. */
    private void resync(RoomStream stream, String room) {
        stream.sync(log.latestSeqs(List.of(room), new long[] {stream.cursor()})[0], false);
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private RecordingSink.Session subscribe(RoomStream stream, String session, Replay replay) {
        RecordingSink.Session target = sink.open(session);
        assertThat(stream.subscribe(session + "/s", session, "s", "ann", replay, null)).isTrue();
        return target;
    }

    @Test
    void forwardsEachSeqOnceInOrderAndDropsDuplicates() {
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", Replay.NONE);
        List<String> sent = send(ROOM, 3);

        for (int i : new int[] {0, 1, 1, 2, 0, 2}) {
            stream.onLive(sent.get(i));
        }

        assertThat(alice.seqs("s")).containsExactly(1L, 2L, 3L);
        assertThat(meters.duplicates().count()).isEqualTo(3);
        assertThat(stream.cursor()).isEqualTo(3);
    }

    @Test
    void aGapInPubSubIsFilledFromTheWindowBeforeTheMessageAfterIt() {
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", Replay.NONE);
        List<String> sent = send(ROOM, 6);

        stream.onLive(sent.get(0));
        stream.onLive(sent.get(5));

        assertThat(alice.seqs("s")).isEqualTo(range(1, 6));
        assertThat(meters.gapRepairs().count()).isEqualTo(1);
    }

    @Test
    void syncForwardsWhatPubSubLostAtTheEndOfABurstOnceTheNextSyncStillMissesIt() {
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", Replay.NONE);
        send(ROOM, 4);

        // Live messages queued: their own gap check repairs.
        stream.sync(4, true);
        stream.sync(4, true);
        assertThat(alice.seqs("s")).isEmpty();

        // First seen ahead: may still be on its way through pub/sub.
        resync(stream, ROOM);
        assertThat(alice.seqs("s")).isEmpty();

        resync(stream, ROOM);
        assertThat(alice.seqs("s")).isEqualTo(range(1, 4));
        assertThat(meters.gapRepairs().count()).isEqualTo(1);
    }

    @Test
    void aRepairStopsAtWhatThePreviousSyncSawSoMessagesCountedSinceStillArriveLive() {
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", Replay.NONE);
        send(ROOM, 4);
        resync(stream, ROOM);
        // Two more are counted, their pub/sub messages still on the way.
        List<String> inFlight = send(ROOM, 2);

        resync(stream, ROOM);
        assertThat(alice.seqs("s")).isEqualTo(range(1, 4));

        inFlight.forEach(stream::onLive);
        assertThat(alice.seqs("s")).isEqualTo(range(1, 6));
        assertThat(meters.duplicates().count()).isZero();
        assertThat(meters.gapRepairs().count()).isEqualTo(1);
    }

    @Test
    void aStoreThatDoesNotAnswerGivesUnknownCountersAndLaterReSyncsStillRepair() {
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", Replay.NONE);
        send(ROOM, 3);
        log.failing = true;

        assertThat(log.latestSeqs(List.of(ROOM, "other"), new long[2]))
                .containsExactly(RoomLog.UNKNOWN, RoomLog.UNKNOWN);

        log.failing = false;
        resync(stream, ROOM);
        resync(stream, ROOM);
        assertThat(alice.seqs("s")).isEqualTo(range(1, 3));
    }

    @Test
    void aMessageStillInFlightAtOneSyncArrivesLiveAndNoWindowIsRead() {
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", Replay.NONE);
        List<String> first = send(ROOM, 2);
        resync(stream, ROOM);
        first.forEach(stream::onLive);

        // Busy: every sync finds the counter ahead by messages that then arrive live.
        for (int i = 0; i < 5; i++) {
            List<String> more = send(ROOM, 3);
            resync(stream, ROOM);
            more.forEach(stream::onLive);
        }
        resync(stream, ROOM);

        assertThat(alice.seqs("s")).isEqualTo(range(1, 17));
        assertThat(meters.gapRepairs().count()).isZero();
    }

    @Test
    void historyReplaysTheLastMessagesThenGoesLive() {
        send(ROOM, 15);
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", new Replay(5, null));
        List<String> live = send(ROOM, 2);
        live.forEach(stream::onLive);

        assertThat(alice.seqs("s")).isEqualTo(range(11, 17));
    }

    @Test
    void aResumeReplaysTheWindowAfterTheSeqAndThenLiveTrafficWithoutARepeat() {
        send(ROOM, 10);
        RoomStream stream = stream(ROOM);
        // Two more are stored while their pub/sub messages are still on the way.
        List<String> inFlight = send(ROOM, 2);
        RecordingSink.Session alice = subscribe(stream, "alice", new Replay(0, 4L));
        inFlight.forEach(stream::onLive);
        send(ROOM, 1).forEach(stream::onLive);

        assertThat(alice.seqs("s")).isEqualTo(range(5, 13));
        assertThat(alice.messages("s").get(0).headers()).doesNotContainKey("x-window-start");
    }

    @Test
    void aClientAheadOfTheServerSkipsWhatItAlreadyHas() {
        send(ROOM, 10);
        RoomStream stream = stream(ROOM);
        List<String> late = send(ROOM, 3);
        RecordingSink.Session alice = subscribe(stream, "alice", new Replay(0, 12L));
        late.forEach(stream::onLive);

        assertThat(alice.seqs("s")).containsExactly(13L);
    }

    @Test
    void aResumeBehindATrimmedWindowStartsAtTheWindowAndSaysSo() {
        send(ROOM, 50);
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", new Replay(0, 3L));

        assertThat(alice.seqs("s")).isEqualTo(range(31, 50));
        assertThat(alice.messages("s").get(0).headers()).containsEntry("x-window-start", "31");
        assertThat(alice.messages("s").get(1).headers()).doesNotContainKey("x-window-start");
    }

    @Test
    void aGapLargerThanTheWindowSkipsOnlyWhatTheWindowNoLongerHolds() {
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", Replay.NONE);
        List<String> sent = send(ROOM, 45);

        stream.onLive(sent.get(44));

        assertThat(alice.seqs("s")).isEqualTo(range(26, 45));
    }

    @Test
    void whileTheStoreIsDownTheCursorStaysAndTheNextSyncRepairs() {
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", Replay.NONE);
        List<String> sent = send(ROOM, 5);
        stream.onLive(sent.get(0));

        log.failing = true;
        stream.onLive(sent.get(4));
        stream.sync(5, false);
        stream.sync(5, false);
        assertThat(alice.seqs("s")).containsExactly(1L);

        log.failing = false;
        resync(stream, ROOM);
        assertThat(alice.seqs("s")).isEqualTo(range(1, 5));
    }

    @Test
    void afterTheStoreLostItsDataNumberingGoesOnAboveWhatWasForwarded() {
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", Replay.NONE);
        send(ROOM, 5).forEach(stream::onLive);

        log.wipe();
        stream.dataLost();
        List<String> after = send(ROOM, 3);
        after.forEach(stream::onLive);

        assertThat(after.stream().map(MessageJson::seq)).containsExactly(6L, 7L, 8L);
        assertThat(alice.seqs("s")).isEqualTo(range(1, 8));
    }

    @Test
    void aStoreRolledBackBelowWhatWasForwardedIsRaisedBeforeItNumbersAgain() {
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = subscribe(stream, "alice", Replay.NONE);
        send(ROOM, 3).forEach(stream::onLive);
        InMemoryRoomLog.Snapshot old = log.snapshot();
        send(ROOM, 4).forEach(stream::onLive);

        log.rollback(old);
        resync(stream, ROOM);
        List<String> after = send(ROOM, 2);
        after.forEach(stream::onLive);

        assertThat(log.counter(ROOM)).isEqualTo(9);
        assertThat(after.stream().map(MessageJson::seq)).containsExactly(8L, 9L);
        assertThat(alice.seqs("s")).isEqualTo(range(1, 9));
    }

    @Test
    void aClosedSessionIsNotAddedAndAClosingOneGetsNothingMore() {
        RoomStream stream = stream(ROOM);
        RecordingSink.Session bob = sink.open("bob");
        bob.open = false;

        assertThat(stream.subscribe("bob/s", "bob", "s", "bob", Replay.NONE, "r1")).isFalse();
        assertThat(stream.subscribe("carl/s", "carl", "s", "carl", Replay.NONE, null)).isFalse();
        assertThat(stream.isEmpty()).isTrue();
        assertThat(bob.frames).isEmpty();
    }

    @Test
    void theReceiptFollowsTheReplayAndUnsubscribeStopsDelivery() {
        send(ROOM, 3);
        RoomStream stream = stream(ROOM);
        RecordingSink.Session alice = sink.open("alice");
        stream.subscribe("alice/s", "alice", "s", "ann", new Replay(2, null), "r-7");

        assertThat(alice.frames)
                .extracting(RecordingSink.Frame::command)
                .containsExactly("MESSAGE", "MESSAGE", "RECEIPT");
        assertThat(alice.frames.get(2).headers()).containsEntry("receipt-id", "r-7");

        assertThat(stream.unsubscribe("alice/s")).isEqualTo("ann");
        assertThat(stream.unsubscribe("alice/s")).isNull();
        send(ROOM, 1).forEach(stream::onLive);
        assertThat(alice.seqs("s")).containsExactly(2L, 3L);
        assertThat(stream.isEmpty()).isTrue();
    }

    @Test
    void manyRoomsWithLossyRepeatingPubSubEachStayContiguous() {
        Random random = new Random(42);
        Map<String, RoomStream> streams = new HashMap<>();
        Map<String, RecordingSink.Session> sessions = new HashMap<>();
        for (int r = 0; r < 50; r++) {
            String room = "room-" + r;
            RoomStream stream = stream(room);
            streams.put(room, stream);
            sessions.put(room, subscribe(stream, "s-" + r, Replay.NONE));
        }
        List<String> rooms = new ArrayList<>(streams.keySet());
        for (int i = 0; i < 5_000; i++) {
            String room = rooms.get(random.nextInt(rooms.size()));
            String message = send(room, 1).get(0);
            int fate = random.nextInt(10);
            if (fate == 0) {
                continue; // lost
            }
            streams.get(room).onLive(message);
            if (fate == 1) {
                streams.get(room).onLive(message); // repeated
            }
        }
        Collections.shuffle(rooms, random);
        // Two re-syncs: a counter ahead of the cursor is repaired when the second still finds it.
        rooms.forEach(room -> resync(streams.get(room), room));
        rooms.forEach(room -> resync(streams.get(room), room));

        for (String room : rooms) {
            assertThat(sessions.get(room).seqs("s"))
                    .as(room)
                    .isEqualTo(range(1, log.counter(room)));
        }
    }
}
