package io.chatroom.chat.room;

import io.chatroom.chat.RedisScripts;
import io.chatroom.common.RedisKeys;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The two sources of a room's highest seq besides its Redis counter: raising counters that fell
 * behind seqs already given out (or seeding missing ones), and the archive's {@code max(seq)}. Used
 * by a SEND that finds its room's counter missing or behind, and by the restart fence for every
 * room at once.
 */
@Component
class SeqCounters {
    /** Counters per script call and rooms per archive query. */
    private static final int BATCH = 500;

    private static final String ARCHIVED_MAX_SEQS =
            "select room, max(seq) from archive.chat_message where room = any(?) group by room";

    /** What {@link #raise} does with a missing counter. */
    enum Missing {
        /** Leave it missing and report it (the caller seeds it from the archive). */
        REPORT("raise"),
        /** Set it to the floor given (the caller passes at least the archive's max(seq)). */
        SEED("seed");

        private final String mode;

        Missing(String mode) {
            this.mode = mode;
        }
    }

    private final StringRedisTemplate redis;
    private final JdbcTemplate jdbc;
    private final RedisKeys keys;
    private final DefaultRedisScript<List> raiseScript =
            RedisScripts.load("scripts/raise-seqs.lua", List.class);

    SeqCounters(StringRedisTemplate redis, JdbcTemplate jdbc, RedisKeys keys) {
        this.redis = redis;
        this.jdbc = jdbc;
        this.keys = keys;
    }

    /** What {@link #raise} did: counters raised or seeded, and the rooms found without one. */
    record Raised(int count, List<Map.Entry<String, Long>> missing) {}

    /**
     * Raises each room's counter to at least its floor, {@link #BATCH} rooms per script call (on a
     * Redis Cluster, give rooms of one slot). With {@link Missing#REPORT} a missing counter stays
     * missing and its room is returned with its floor.
     */
    Raised raise(Missing missing, List<Map.Entry<String, Long>> floors) {
        int count = 0;
        List<Map.Entry<String, Long>> absent = new ArrayList<>();
        for (int from = 0; from < floors.size(); from += BATCH) {
            List<Map.Entry<String, Long>> batch =
                    floors.subList(from, Math.min(floors.size(), from + BATCH));
            List<Number> result = raiseBatch(missing, batch);
            count += result.get(0).intValue();
            // The script reports the 1-based indexes of the batch's missing counters.
            for (Number index : result.subList(1, result.size())) {
                absent.add(batch.get(index.intValue() - 1));
            }
        }
        return new Raised(count, absent);
    }

    private List<Number> raiseBatch(Missing missing, List<Map.Entry<String, Long>> floors) {
        List<String> counters = new ArrayList<>(floors.size());
        Object[] args = new Object[floors.size() + 1];
        args[0] = missing.mode;
        for (int i = 0; i < floors.size(); i++) {
            counters.add(keys.roomSeq(floors.get(i).getKey()));
            args[i + 1] = Long.toString(floors.get(i).getValue());
        }
        @SuppressWarnings("unchecked")
        List<Number> result = redis.execute(raiseScript, counters, args);
        return result == null ? List.of(0L) : result;
    }

    /** Whether the room's counter, found below the floor, was raised to it. */
    boolean raise(String room, long floor) {
        return raise(Missing.REPORT, List.of(Map.entry(room, floor))).count() > 0;
    }

    /**
     * The archive's {@code max(seq)} per room (rooms never archived are absent).
     *
     * @throws org.springframework.dao.DataAccessException if PostgreSQL cannot answer
     */
    Map<String, Long> archivedMaxSeqs(Collection<String> rooms) {
        Map<String, Long> archived = new HashMap<>();
        List<String> all = new ArrayList<>(rooms);
        for (int from = 0; from < all.size(); from += BATCH) {
            String[] batch =
                    all.subList(from, Math.min(all.size(), from + BATCH)).toArray(String[]::new);
            try {
                jdbc.query(
                        ARCHIVED_MAX_SEQS,
                        row -> {
                            archived.put(row.getString(1), row.getLong(2));
                        },
                        (Object) batch);
            } catch (BadSqlGrammarException e) {
                // No archive schema yet: nothing was ever archived.
                return archived;
            }
        }
        return archived;
    }

    /**
     * The archive's {@code max(seq)} of one room, 0 if none was archived.
     *
     * @throws org.springframework.dao.DataAccessException if PostgreSQL cannot answer
     */
    long archivedMaxSeq(String room) {
        return archivedMaxSeqs(List.of(room)).getOrDefault(room, 0L);
    }
}
