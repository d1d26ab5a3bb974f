package io.chatroom.systemtests;

import static org.awaitility.Awaitility.await;

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
 * what PostgreSQL holds: lost (acked but missing), duplicated (a seq or a message twice), out of
 * order (a seq below one already received) and unexpected (never acked, or another text than was
 * acked under that seq). Each check prints one line and appends one row to {@code
 * target/reliability.csv}.
 */
final class Checker {
    private static final Logger log = LoggerFactory.getLogger(Checker.class);
    private static final Duration ARCHIVE_TIMEOUT = Duration.ofSeconds(120);
    private static final String CSV_HEADER =
            "scenario,sent,acked,lost_client,lost_db,duplicated,out_of_order,unexpected,"
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
            Duration recovery) {

        long lost() {
            return lostByClients + lostInDatabase + (sent - acked);
        }

        boolean clean() {
            return sent == acked
                    && lost() == 0
                    && duplicated == 0
                    && outOfOrder == 0
                    && unexpected == 0;
        }

        String line() {
            return String.format(
                    Locale.ROOT,
                    "%s: sent=%d acked=%d lost(clients)=%d lost(db)=%d duplicated=%d"
                            + " out-of-order=%d unexpected=%d recovery=%s",
                    scenario,
                    sent,
                    acked,
                    lostByClients,
                    lostInDatabase,
                    duplicated,
                    outOfOrder,
                    unexpected,
                    recovery == null ? "-" : recoverySeconds());
        }

        String recoverySeconds() {
            return recovery == null
                    ? ""
                    : String.format(Locale.ROOT, "%.1f", recovery.toMillis() / 1000.0);
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
        Map<String, Map<Long, ChatClient.Sent>> ackedBySeq = new HashMap<>();
        int sent = 0;
        int acked = 0;
        for (ChatClient client : clients) {
            for (ChatClient.Sent message : client.sent().values()) {
                sent++;
                if (message.seq > 0) {
                    acked++;
                    ackedBySeq
                            .computeIfAbsent(message.room, r -> new HashMap<>())
                            .put(message.seq, message);
                }
            }
        }
        Set<String> rooms = new HashSet<>(ackedBySeq.keySet());
        clients.forEach(c -> rooms.addAll(c.rooms()));

        long lostByClients = 0;
        long duplicated = 0;
        long outOfOrder = 0;
        long unexpected = 0;
        for (ChatClient client : clients) {
            for (String room : client.rooms()) {
                Map<Long, ChatClient.Sent> expected = ackedBySeq.getOrDefault(room, Map.of());
                Set<Long> seen = new HashSet<>();
                Map<String, Long> seqByText = new HashMap<>();
                long maxSeen = 0;
                for (ChatClient.Received frame : client.frames(room)) {
                    long seq = frame.message().seq();
                    String text = frame.message().text();
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
                List<Long> missing =
                        expected.keySet().stream().filter(q -> !seen.contains(q)).sorted().toList();
                lostByClients += missing.size();
                if (!missing.isEmpty()) {
                    log.warn(
                            "{}: {} on {} missed {} of {} messages in {} (first {}, last {},"
                                    + " disconnects {})",
                            scenario,
                            client.username(),
                            client.server() == null ? "-" : client.server().id(),
                            missing.size(),
                            expected.size(),
                            room,
                            missing.get(0),
                            missing.get(missing.size() - 1),
                            client.disconnects());
                }
            }
        }

        long lostInDatabase = 0;
        if (checkArchive) {
            int expectedRows = acked;
            await(scenario + ": archive holds every acked message")
                    .atMost(ARCHIVE_TIMEOUT)
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(() -> countRows(cluster, rooms) >= expectedRows);
            Map<String, Map<Long, String>> rows = rows(cluster, rooms);
            for (Map.Entry<String, Map<Long, ChatClient.Sent>> room : ackedBySeq.entrySet()) {
                Map<Long, String> stored = rows.getOrDefault(room.getKey(), Map.of());
                Map<String, Long> seqByText = new HashMap<>();
                for (Map.Entry<Long, String> row : stored.entrySet()) {
                    ChatClient.Sent acknowledged = room.getValue().get(row.getKey());
                    if (acknowledged == null || !acknowledged.text.equals(row.getValue())) {
                        unexpected++;
                    }
                    if (seqByText.putIfAbsent(row.getValue(), row.getKey()) != null) {
                        duplicated++;
                    }
                }
                for (Long seq : room.getValue().keySet()) {
                    if (!stored.containsKey(seq)) {
                        lostInDatabase++;
                    }
                }
            }
        }

        Counts counts =
                new Counts(
                        scenario,
                        sent,
                        acked,
                        lostByClients,
                        lostInDatabase,
                        duplicated,
                        outOfOrder,
                        unexpected,
                        recovery);
        record(counts);
        return counts;
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
