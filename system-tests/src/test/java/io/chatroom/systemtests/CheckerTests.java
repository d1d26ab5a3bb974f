package io.chatroom.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.common.ChatMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The checker's counting alone, on made-up sends, frames and rows: no cluster needed. */
class CheckerTests {
    private static final String ROOM = "r";

    @Test
    void exactlyOneToNEverywhereIsClean() {
        List<ChatClient.Sent> sent = acked(1, 2, 3, 4);

        Checker.Counts counts =
                Checker.count(
                        "clean",
                        sent,
                        List.of(stream("a", sent, 1, 2, 3, 4), stream("b", sent, 1, 2, 3, 4)),
                        Map.of(ROOM, rows(sent, 1, 2, 3, 4)),
                        null);

        assertThat(counts.clean()).as(counts.line()).isTrue();
    }

    @Test
    void aSeqSkippedByTheClusterIsAGapInTheAcksAtEachClientAndInTheArchive() {
        // Numbered 1, 2, 4: nothing acked is missing anywhere, so only the gap check sees it.
        List<ChatClient.Sent> sent = acked(1, 2, 4);

        Checker.Counts counts =
                Checker.count(
                        "skipped",
                        sent,
                        List.of(stream("a", sent, 1, 2, 4), stream("b", sent, 1, 2, 4)),
                        Map.of(ROOM, rows(sent, 1, 2, 4)),
                        null);

        assertThat(counts.lost()).isZero();
        assertThat(counts.duplicated()).isZero();
        assertThat(counts.unexpected()).isZero();
        assertThat(counts.gaps()).isEqualTo(4); // acks, client a, client b, archive
        assertThat(counts.clean()).isFalse();
    }

    @Test
    void aSeqOneClientNeverGotIsLostAndAHoleInItsStream() {
        List<ChatClient.Sent> sent = acked(1, 2, 3);

        Checker.Counts counts =
                Checker.count(
                        "hole",
                        sent,
                        List.of(stream("a", sent, 1, 3), stream("b", sent, 1, 2, 3)),
                        Map.of(ROOM, rows(sent, 1, 2, 3)),
                        null);

        assertThat(counts.lostByClients()).isEqualTo(1);
        assertThat(counts.gaps()).isEqualTo(1);
        assertThat(counts.clean()).isFalse();
    }

    @Test
    void twoMessagesAckedUnderOneSeqAreADuplicate() {
        List<ChatClient.Sent> sent = acked(1, 2, 2);

        Checker.Counts counts =
                Checker.count("renumbered", sent, List.of(), Map.of(ROOM, rows(sent, 1, 2)), null);

        assertThat(counts.duplicated()).isEqualTo(1);
        assertThat(counts.clean()).isFalse();
    }

    @Test
    void rowsOfARoomWithoutAcksAreUnexpectedAndHolesInTheArchiveAreGaps() {
        List<ChatClient.Sent> sent = acked(1, 2, 3);
        Map<String, Map<Long, String>> rows = new LinkedHashMap<>();
        rows.put(ROOM, rows(sent, 1, 3));
        rows.put("other", Map.of(1L, "stray"));

        Checker.Counts counts =
                Checker.count("archive", sent, List.of(stream("a", sent, 1, 2, 3)), rows, null);

        assertThat(counts.lostInDatabase()).isEqualTo(1);
        assertThat(counts.gaps()).isEqualTo(1);
        assertThat(counts.unexpected()).isEqualTo(1);
    }

    @Test
    void holesCountsWhatIsMissingBelowTheHighestSeq() {
        assertThat(Checker.holes(List.of())).isZero();
        assertThat(Checker.holes(LongStream.rangeClosed(1, 5).boxed().toList())).isZero();
        assertThat(Checker.holes(List.of(2L, 3L))).isEqualTo(1);
        assertThat(Checker.holes(List.of(1L, 5L))).isEqualTo(3);
    }

    /** One message per given seq, acked under it (text = "m" + index). */
    private static List<ChatClient.Sent> acked(long... seqs) {
        List<ChatClient.Sent> sent = new ArrayList<>();
        for (int i = 0; i < seqs.length; i++) {
            ChatClient.Sent message = new ChatClient.Sent(ROOM, "id-" + i, "m" + i);
            message.seq = seqs[i];
            sent.add(message);
        }
        return sent;
    }

    private static Checker.Stream stream(String client, List<ChatClient.Sent> sent, long... seqs) {
        List<ChatMessage> frames = new ArrayList<>();
        for (long seq : seqs) {
            frames.add(
                    new ChatMessage("x" + seq, ROOM, seq, "u", textOf(sent, seq), Instant.EPOCH));
        }
        return new Checker.Stream(client, "chat-1", 0, ROOM, frames);
    }

    private static Map<Long, String> rows(List<ChatClient.Sent> sent, long... seqs) {
        Map<Long, String> rows = new LinkedHashMap<>();
        for (long seq : seqs) {
            rows.put(seq, textOf(sent, seq));
        }
        return rows;
    }

    private static String textOf(List<ChatClient.Sent> sent, long seq) {
        return sent.stream().filter(m -> m.seq == seq).findFirst().orElseThrow().text;
    }
}
