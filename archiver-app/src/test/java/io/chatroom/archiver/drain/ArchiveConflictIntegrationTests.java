package io.chatroom.archiver.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.archiver.ArchiverIntegrationTest;
import io.chatroom.common.ChatMessage;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A message whose (room, seq) already holds another message id is kept, counted and logged, never
 * dropped; a true retry (the same message id again) stays exactly once and is no conflict.
 */
@ExtendWith(OutputCaptureExtension.class)
class ArchiveConflictIntegrationTests extends ArchiverIntegrationTest {
    private static final Instant SENT = Instant.parse("2025-03-01T10:00:00Z");

    @Autowired MeterRegistry meters;

    @Test
    void anotherMessageForAnArchivedSeqIsKeptAsADeadLetter(CapturedOutput output) {
        String room = "clash-later";
        ChatMessage first = message(room, 2, "first text");
        ChatMessage second = message(room, 2, "second secret text");
        double before = conflictCounter();
        push(List.of(message(room, 1, "one"), first, message(room, 3, "three")));
        awaitArchived(room, 3);

        push(List.of(second));
        awaitConflicts(room, 1);

        assertThat(storedId(room, 2)).isEqualTo(first.id());
        Map<String, Object> kept =
                jdbc.queryForMap(
                        "select * from archive.chat_message_conflict where room = ?", room);
        assertThat(kept)
                .containsEntry("seq", 2L)
                .containsEntry("id", second.id())
                .containsEntry("stored_id", first.id())
                .containsEntry("sender", "mallory")
                .containsEntry("text", "second secret text")
                .containsKey("detected_at");
        assertThat(conflictCounter() - before).isEqualTo(1.0);
        assertThat(archivedCount(room)).isEqualTo(3);
        await().atMost(PATIENCE)
                .untilAsserted(
                        () ->
                                assertThat(output.getOut())
                                        .containsPattern(
                                                "ERROR.*Archive conflict: room "
                                                        + room
                                                        + " seq 2 already holds message "
                                                        + first.id()
                                                        + "; message "
                                                        + second.id()));
        assertThat(output.getOut()).doesNotContain("second secret text");
    }

    @Test
    void twoMessagesForOneSeqInOneBatchKeepOneInEachTable() {
        String room = "clash-batch";
        ChatMessage one = message(room, 1, "one");
        ChatMessage other = message(room, 1, "other");
        double before = conflictCounter();

        push(List.of(one, other));

        awaitConflicts(room, 1);
        awaitArchived(room, 1);
        String stored = storedId(room, 1);
        assertThat(stored).isIn(one.id(), other.id());
        String kept =
                jdbc.queryForObject(
                        "select id from archive.chat_message_conflict where room = ? and"
                                + " stored_id = ?",
                        String.class,
                        room,
                        stored);
        assertThat(List.of(stored, kept)).containsExactlyInAnyOrder(one.id(), other.id());
        assertThat(conflictCounter() - before).isEqualTo(1.0);
    }

    @Test
    void theSameMessageTwiceIsArchivedOnceAndIsNoConflict() {
        String room = "retry-same";
        ChatMessage message = message(room, 1, "hello");
        double before = conflictCounter();

        push(List.of(message, message));
        awaitArchived(room, 1);
        push(List.of(message));
        awaitArchived(room, 1);

        assertThat(storedId(room, 1)).isEqualTo(message.id());
        assertThat(conflictRows(room)).isZero();
        assertThat(conflictCounter() - before).isZero();
    }

    private static ChatMessage message(String room, long seq, String text) {
        return new ChatMessage(UUID.randomUUID().toString(), room, seq, "mallory", text, SENT);
    }

    private void awaitConflicts(String room, long expected) {
        await().atMost(PATIENCE).until(() -> conflictRows(room) == expected && backlog() == 0);
    }

    private long conflictRows(String room) {
        Long n =
                jdbc.queryForObject(
                        "select count(*) from archive.chat_message_conflict where room = ?",
                        Long.class,
                        room);
        return n == null ? 0 : n;
    }

    private String storedId(String room, long seq) {
        return jdbc.queryForObject(
                "select id from archive.chat_message where room = ? and seq = ?",
                String.class,
                room,
                seq);
    }

    private double conflictCounter() {
        return meters.get("chatroom.archive.conflicts").counter().count();
    }
}
