package io.chatroom.archiver.drain;

import io.chatroom.common.ChatMessage;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes one batch in one transaction, idempotently: rows already archived are skipped by the
 * primary key (room, seq), and the room summary only counts rows this call inserted.
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

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;

    ArchiveWriter(JdbcTemplate jdbc, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    /**
     * @param beforeCommit runs inside the transaction after the insert (the crash-point hook)
     * @return how many rows were new
     */
    int insert(List<ChatMessage> messages, Runnable beforeCommit) {
        if (messages.isEmpty()) {
            return 0;
        }
        Integer inserted =
                transactions.execute(
                        status -> {
                            Integer count = jdbc.execute(insertBatch(messages));
                            beforeCommit.run();
                            return count;
                        });
        return inserted == null ? 0 : inserted;
    }

    private static ConnectionCallback<Integer> insertBatch(List<ChatMessage> messages) {
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
            try (PreparedStatement statement = connection.prepareStatement(INSERT)) {
                statement.setArray(1, text(connection, rooms));
                statement.setArray(2, connection.createArrayOf("bigint", seqs));
                statement.setArray(3, text(connection, ids));
                statement.setArray(4, text(connection, senders));
                statement.setArray(5, text(connection, texts));
                statement.setArray(6, text(connection, sentAts));
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        };
    }

    private static Array text(Connection connection, String[] values) throws java.sql.SQLException {
        return connection.createArrayOf("text", values);
    }
}
