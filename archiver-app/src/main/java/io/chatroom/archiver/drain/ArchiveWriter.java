package io.chatroom.archiver.drain;

import io.chatroom.common.ChatMessage;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes one batch in one transaction, idempotently: rows already archived are skipped by the
 * primary key (room, seq), and the room summary only counts rows this call inserted. A message
 * whose (room, seq) holds another message id is never dropped: it goes to {@code
 * archive.chat_message_conflict} in the same transaction.
 */
@Component
class ArchiveWriter {
    // One round trip per batch: arrays unnested server-side instead of N bound statements.
    private static final String INSERT =
            """
            with batch as (
              select * from unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[],
                                   ?::timestamptz[]) as b(room, seq, id, sender, text, sent_at)
            ), inserted as (
              insert into archive.chat_message (room, seq, id, sender, text, sent_at)
              select room, seq, id, sender, text, sent_at from batch
              on conflict (room, seq) do nothing
              returning room, seq, sent_at
            ), summary as (
              insert into archive.room_summary as s (room, messages, last_seq, last_activity)
              select room, count(*), max(seq), max(sent_at) from inserted group by room
              order by room
              on conflict (room) do update set
                messages = s.messages + excluded.messages,
                last_seq = greatest(s.last_seq, excluded.last_seq),
                last_activity = greatest(s.last_activity, excluded.last_activity)
            )
            select count(*) from inserted
            """;

    // Only when some rows were not new (a retry, or a clash): by primary key, same transaction, so
    // it sees the rows just inserted, including the winner of a clash inside this batch.
    private static final String KEEP_CONFLICTS =
            """
            with batch as (
              select * from unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[],
                                   ?::timestamptz[]) as b(room, seq, id, sender, text, sent_at)
            )
            insert into archive.chat_message_conflict
              (room, seq, id, sender, text, sent_at, stored_id)
            select distinct on (b.room, b.seq, b.id)
                   b.room, b.seq, b.id, b.sender, b.text, b.sent_at, m.id
            from batch b
            join archive.chat_message m on m.room = b.room and m.seq = b.seq
            where m.id <> b.id
            order by b.room, b.seq, b.id
            on conflict (room, seq, id) do nothing
            returning room, seq, id, stored_id
            """;

    /**
     * A message kept as a dead letter: {@code id} arrived for (room, seq) holding {@code storedId}.
     */
    record Conflict(String room, long seq, String id, String storedId) {}

    /** What one batch changed: rows newly archived, and messages newly kept as dead letters. */
    record Written(int inserted, List<Conflict> conflicts) {
        static final Written NOTHING = new Written(0, List.of());
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;

    ArchiveWriter(JdbcTemplate jdbc, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    /**
     * @param beforeCommit runs inside the transaction after the insert (the crash-point hook)
     * @return the committed outcome
     */
    Written insert(List<ChatMessage> messages, Runnable beforeCommit) {
        if (messages.isEmpty()) {
            return Written.NOTHING;
        }
        Written written =
                transactions.execute(
                        status -> {
                            Integer count =
                                    jdbc.execute(batch(INSERT, messages, rs -> rs.getInt(1)));
                            int inserted = count == null ? 0 : count;
                            List<Conflict> conflicts = List.of();
                            if (inserted < messages.size()) {
                                List<Conflict> kept =
                                        jdbc.execute(
                                                batch(
                                                        KEEP_CONFLICTS,
                                                        messages,
                                                        ArchiveWriter::conflicts));
                                conflicts = kept == null ? List.of() : kept;
                            }
                            beforeCommit.run();
                            return new Written(inserted, conflicts);
                        });
        return written == null ? Written.NOTHING : written;
    }

    private static List<Conflict> conflicts(ResultSet rs) throws SQLException {
        List<Conflict> conflicts = new ArrayList<>();
        do {
            conflicts.add(
                    new Conflict(
                            rs.getString("room"),
                            rs.getLong("seq"),
                            rs.getString("id"),
                            rs.getString("stored_id")));
        } while (rs.next());
        return conflicts;
    }

    /** Reads a statement's result; called only when there is a first row. */
    private interface ResultReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** The batch as six arrays (one round trip), run through {@code sql}. */
    private static <T> ConnectionCallback<T> batch(
            String sql, List<ChatMessage> messages, ResultReader<T> reader) {
        return connection -> {
            int n = messages.size();
            String[] rooms = new String[n];
            Long[] seqs = new Long[n];
            String[] ids = new String[n];
            String[] senders = new String[n];
            String[] texts = new String[n];
            String[] sentAts = new String[n];
            for (int i = 0; i < n; i++) {
                ChatMessage m = messages.get(i);
                rooms[i] = m.room();
                seqs[i] = m.seq();
                ids[i] = m.id();
                senders[i] = m.sender();
                texts[i] = m.text();
                sentAts[i] = m.sentAt().toString();
            }
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setArray(1, text(connection, rooms));
                statement.setArray(2, connection.createArrayOf("bigint", seqs));
                statement.setArray(3, text(connection, ids));
                statement.setArray(4, text(connection, senders));
                statement.setArray(5, text(connection, texts));
                statement.setArray(6, text(connection, sentAts));
                try (ResultSet rs = statement.executeQuery()) {
                    return rs.next() ? reader.read(rs) : null;
                }
            }
        };
    }

    private static Array text(Connection connection, String[] values) throws SQLException {
        return connection.createArrayOf("text", values);
    }
}
