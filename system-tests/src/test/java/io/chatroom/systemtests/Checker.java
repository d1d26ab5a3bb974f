package io.chatroom.systemtests;

import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts, per room, what the senders got acked against what every subscribed client received and
 * what PostgreSQL holds: lost (acked but missing), duplicated (a seq or a message twice, or one seq
 * acked for two messages), out of order (a seq below one already received), unexpected (never
 * acked, or another text than was acked under that seq) and gaps (a seq skipped: the acks of a
 * room, the seqs one client received there, or the room's rows are not exactly 1..N). Rooms are
 * fresh per scenario and every checked client subscribes before the first message, so each of these
 * sets must be exactly 1..N. Each check prints one line and appends one row to {@code
 * target/reliability.csv}.
 */
final class Checker {
    private static final Logger log = LoggerFactory.getLogger(Checker.class);
    private static final Duration ARCHIVE_TIMEOUT = Duration.ofSeconds(120);
    private static final String CSV_HEADER =
            "scenario,sent,acked,lost_client,lost_db,duplicated,out_of_order,unexpected,gaps,"
                    + "recovery_seconds";

    /** The outcome of one scenario. */
    record Counts(
            String scenario,
            int sent,
            int acked,
            long lostByClients,
            long lostInDatabase,
            long duplicated,
            long outOfOrder,
            long unexpected,
            long gaps,
            Duration recovery) {

        long lost() {
            return lostByClients + lostInDatabase + (sent - acked);
        }

        boolean clean() {
            return sent == acked
                    && lost() == 0
                    && duplicated == 0
                    && outOfOrder == 0
                    && unexpected == 0
                    && gaps == 0;
        }

        String line() {
            return String.format(
                    Locale.ROOT,
                    "%s: sent=%d acked=%d lost(clients)=%d lost(db)=%d duplicated=%d"
                            + " out-of-order=%d unexpected=%d gaps=%d recovery=%s",
                    scenario,
                    sent,
                    acked,
                    lostByClients,
                    lostInDatabase,
                    duplicated,
                    outOfOrder,
                    unexpected,
                    gaps,
                    recovery == null ? "-" : recoverySeconds());
        }

        String recoverySeconds() {
            return recovery == null
                    ? ""
                    : String.format(Locale.ROOT, "%.1f", recovery.toMillis() / 1000.0);
        }
    }

    /** What one client received in one room, in arrival order. */
    record Stream(
            String client, String server, int disconnects, String room, List<ChatMessage> frames) {
        static List<Stream> of(Collection<ChatClient> clients) {
            List<Stream> streams = new ArrayList<>();
            for (ChatClient client : clients) {
                for (String room : client.rooms()) {
                    streams.add(
                            new Stream(
                                    client.username(),
                                    client.server() == null ? "-" : client.server().id(),
                                    client.disconnects(),
                                    room,
                                    client.frames(room).stream()
                                            .map(ChatClient.Received::message)
                                            .toList()));
                }
            }
            return streams;
        }
    }

    private Checker() {}

    /**
     * Checks every room any of {@code clients} joined, against every message any of them sent
     * there. With {@code checkArchive}, first waits until PostgreSQL holds as many rows as were
     * acked.
     */
    static Counts check(
            String scenario,
            Cluster cluster,
            Collection<ChatClient> clients,
            Duration recovery,
            boolean checkArchive) {
        List<ChatClient.Sent> sent = new ArrayList<>();
        Set<String> rooms = new HashSet<>();
        for (ChatClient client : clients) {
            sent.addAll(client.sent().values());
            rooms.addAll(client.rooms());
        }
        sent.forEach(m -> rooms.add(m.room));
        Map<String, Map<Long, String>> rows = null;
        if (checkArchive) {
            long expectedRows = sent.stream().filter(m -> m.seq > 0).count();
            await(scenario + ": archive holds every acked message")
                    .atMost(ARCHIVE_TIMEOUT)
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(() -> countRows(cluster, rooms) >= expectedRows);
            rows = rows(cluster, rooms);
        }
        Counts counts = count(scenario, sent, Stream.of(clients), rows, recovery);
        record(counts);
        return counts;
    }

    /**
     * The counts of one scenario from what was sent (acked or not), what each client received per
     * room, and the archive's rows per room ({@code null}: archive not checked).
     */
    static Counts count(
            String scenario,
            Collection<ChatClient.Sent> sent,
            List<Stream> streams,
            Map<String, Map<Long, String>> rows,
            Duration recovery) {
        Map<String, Map<Long, ChatClient.Sent>> ackedBySeq = new HashMap<>();
        int acked = 0;
        long duplicated = 0;
        long gaps = 0;
        for (ChatClient.Sent message : sent) {
            if (message.seq > 0) {
                acked++;
                ChatClient.Sent other =
                        ackedBySeq
                                .computeIfAbsent(message.room, r -> new HashMap<>())
                                .putIfAbsent(message.seq, message);
                if (other != null) {
                    duplicated++; // two messages acked under one seq
                    log.warn("{}: seq {} in {} acked twice", scenario, message.seq, message.room);
                }
            }
        }
        for (Map.Entry<String, Map<Long, ChatClient.Sent>> room : ackedBySeq.entrySet()) {
            long skipped = holes(room.getValue().keySet());
            if (skipped > 0) {
                log.warn(
                        "{}: acked seqs of {} are not 1..{}: {} skipped",
                        scenario,
                        room.getKey(),
                        room.getValue().size(),
                        skipped);
            }
            gaps += skipped;
        }

        long lostByClients = 0;
        long outOfOrder = 0;
        long unexpected = 0;
        for (Stream stream : streams) {
            Map<Long, ChatClient.Sent> expected = ackedBySeq.getOrDefault(stream.room(), Map.of());
            Set<Long> seen = new HashSet<>();
            Map<String, Long> seqByText = new HashMap<>();
            long maxSeen = 0;
            for (ChatMessage frame : stream.frames()) {
                long seq = frame.seq();
                String text = frame.text();
                if (!seen.add(seq)) {
                    duplicated++;
                    continue;
                }
                Long earlier = seqByText.putIfAbsent(text, seq);
                if (earlier != null && earlier != seq) {
                    duplicated++; // one message under two seqs: a retry made a second copy
                }
                if (seq < maxSeen) {
                    outOfOrder++;
                }
                maxSeen = Math.max(maxSeen, seq);
                ChatClient.Sent acknowledged = expected.get(seq);
                if (acknowledged == null || !acknowledged.text.equals(text)) {
                    unexpected++;
                }
            }
            long skipped = holes(seen);
            if (skipped > 0) {
                log.warn(
                        "{}: {} received seqs of {} with {} holes below {}",
                        scenario,
                        stream.client(),
                        stream.room(),
                        skipped,
                        maxSeen);
            }
            gaps += skipped;
            List<Long> missing =
                    expected.keySet().stream().filter(q -> !seen.contains(q)).sorted().toList();
            lostByClients += missing.size();
            if (!missing.isEmpty()) {
                log.warn(
                        "{}: {} on {} missed {} of {} messages in {} (first {}, last {},"
                                + " disconnects {})",
                        scenario,
                        stream.client(),
                        stream.server(),
                        missing.size(),
                        expected.size(),
                        stream.room(),
                        missing.get(0),
                        missing.get(missing.size() - 1),
                        stream.disconnects());
            }
        }

        long lostInDatabase = 0;
        if (rows != null) {
            Set<String> rooms = new HashSet<>(ackedBySeq.keySet());
            rooms.addAll(rows.keySet());
            streams.forEach(s -> rooms.add(s.room()));
            for (String room : rooms) {
                Map<Long, ChatClient.Sent> expected = ackedBySeq.getOrDefault(room, Map.of());
                Map<Long, String> stored = rows.getOrDefault(room, Map.of());
                Map<String, Long> seqByText = new HashMap<>();
                for (Map.Entry<Long, String> row : stored.entrySet()) {
                    ChatClient.Sent acknowledged = expected.get(row.getKey());
                    if (acknowledged == null || !acknowledged.text.equals(row.getValue())) {
                        unexpected++;
                    }
                    if (seqByText.putIfAbsent(row.getValue(), row.getKey()) != null) {
                        duplicated++;
                    }
                }
                long skipped = holes(stored.keySet());
                if (skipped > 0) {
                    log.warn("{}: rows of {} have {} holes", scenario, room, skipped);
                }
                gaps += skipped;
                lostInDatabase +=
                        expected.keySet().stream().filter(q -> !stored.containsKey(q)).count();
            }
        }

        return new Counts(
                scenario,
                sent.size(),
                acked,
                lostByClients,
                lostInDatabase,
                duplicated,
                outOfOrder,
                unexpected,
                gaps,
                recovery);
    }

    /** How many of 1..max(seqs) are not in {@code seqs}: zero exactly when they are 1..N. */
    static long holes(Collection<Long> seqs) {
        long max = seqs.stream().mapToLong(Long::longValue).max().orElse(0);
        long inRange = seqs.stream().filter(q -> q >= 1 && q <= max).distinct().count();
        return max - inRange;
    }

    /** Logs the counts as one line and appends them to target/reliability.csv. */
    static void record(Counts counts) {
        log.info("RELIABILITY {}", counts.line());
        Path csv = SystemTestPaths.targetDir().resolve("reliability.csv");
        try {
            Files.createDirectories(csv.getParent());
            List<String> lines = new ArrayList<>();
            if (!Files.exists(csv)) {
                lines.add(CSV_HEADER);
            }
            lines.add(
                    String.join(
                            ",",
                            counts.scenario(),
                            Integer.toString(counts.sent()),
                            Integer.toString(counts.acked()),
                            Long.toString(counts.lostByClients()),
                            Long.toString(counts.lostInDatabase()),
                            Long.toString(counts.duplicated()),
                            Long.toString(counts.outOfOrder()),
                            Long.toString(counts.unexpected()),
                            Long.toString(counts.gaps()),
                            counts.recoverySeconds()));
            Files.write(
                    csv,
                    lines,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long countRows(Cluster cluster, Set<String> rooms) throws SQLException {
        try (Connection c = cluster.db();
                PreparedStatement st =
                        c.prepareStatement(
                                "select count(*) from archive.chat_message where room = any(?)")) {
            st.setArray(1, c.createArrayOf("text", rooms.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** room -> seq -> text as stored in PostgreSQL. */
    static Map<String, Map<Long, String>> rows(Cluster cluster, Set<String> rooms) {
        Map<String, Map<Long, String>> rows = new HashMap<>();
        try (Connection c = cluster.db();
                PreparedStatement st =
                        c.prepareStatement(
                                "select room, seq, text from archive.chat_message"
                                        + " where room = any(?)")) {
            st.setArray(1, c.createArrayOf("text", rooms.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.computeIfAbsent(rs.getString(1), r -> new HashMap<>())
                            .put(rs.getLong(2), rs.getString(3));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the archive", e);
        }
        return rows;
    }
}
