package io.chatroom.chat.room;

import io.chatroom.chat.ChatException;
import io.chatroom.common.ErrorCodes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.springframework.dao.QueryTimeoutException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A {@link RoomLog} in memory with the Redis log's rules (idempotent retries, a trimmed window, a
 * floor that keeps seqs from being given out twice), plus the faults a real store has: it can lose
 * its data, roll back to a snapshot, or stop answering. What {@link #append} stores is also kept in
 * {@link #published}, for the test to hand to a stream as pub/sub would (or not).
 */
final class InMemoryRoomLog implements RoomLog {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The append script's sentAt: always with milliseconds, which MessageJson relies on. */
    private static final DateTimeFormatter SENT_AT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final int windowSize;
    private Map<String, Long> counters = new HashMap<>();
    private Map<String, TreeMap<Long, String>> windows = new HashMap<>();
    private Map<String, Long> idempotency = new HashMap<>();
    private final Map<String, Long> floors = new HashMap<>();
    final List<String> published = new ArrayList<>();
    boolean failing;

    InMemoryRoomLog(int windowSize) {
        this.windowSize = windowSize;
    }

    /** What the store holds at one moment, to roll back to later. */
    record Snapshot(
            Map<String, Long> counters,
            Map<String, TreeMap<Long, String>> windows,
            Map<String, Long> idempotency) {}

    Snapshot snapshot() {
        Map<String, TreeMap<Long, String>> copy = new HashMap<>();
        windows.forEach((room, window) -> copy.put(room, new TreeMap<>(window)));
        return new Snapshot(new HashMap<>(counters), copy, new HashMap<>(idempotency));
    }

    /**
     * The store came back with older data (an old snapshot, a lagging replica): client message ids
     * stored since are forgotten too, as Redis forgets their keys. Floors are this server's memory
     * and stay.
     */
    void rollback(Snapshot snapshot) {
        counters = new HashMap<>(snapshot.counters());
        windows = new HashMap<>();
        snapshot.windows().forEach((room, window) -> windows.put(room, new TreeMap<>(window)));
        idempotency = new HashMap<>(snapshot.idempotency());
    }

    /** The store lost everything. */
    void wipe() {
        counters.clear();
        windows.clear();
        idempotency.clear();
    }

    private void check() {
        if (failing) {
            throw new QueryTimeoutException("store unavailable");
        }
    }

    @Override
    public CompletableFuture<Appended> append(
            String room, String sender, String clientMessageId, String text) {
        if (failing) {
            // As the Redis log: a failed future, never a throw from append itself.
            return CompletableFuture.failedFuture(
                    new ChatException(
                            ErrorCodes.UNAVAILABLE, "message store unavailable", clientMessageId));
        }
        return CompletableFuture.completedFuture(appendNow(room, sender, clientMessageId, text));
    }

    Appended appendNow(String room, String sender, String clientMessageId, String text) {
        check();
        Long known = idempotency.get(room + '/' + sender + '/' + clientMessageId);
        if (known != null) {
            return new Appended(known, true);
        }
        long floor = floors.getOrDefault(room, 0L);
        long seq = Math.max(counters.getOrDefault(room, 0L), floor) + 1;
        counters.put(room, seq);
        // Laid out as the append script does: sender and text as JSON string literals.
        String json =
                "{\"id\":\""
                        + UUID.randomUUID()
                        + "\",\"room\":\""
                        + room
                        + "\",\"seq\":"
                        + seq
                        + ",\"sender\":"
                        + JSON.writeValueAsString(sender)
                        + ",\"text\":"
                        + JSON.writeValueAsString(text)
                        + ",\"sentAt\":\""
                        + SENT_AT.format(Instant.now())
                        + "\"}";
        TreeMap<Long, String> window = windows.computeIfAbsent(room, r -> new TreeMap<>());
        window.put(seq, json);
        while (window.size() > windowSize) {
            window.pollFirstEntry();
        }
        idempotency.put(room + '/' + sender + '/' + clientMessageId, seq);
        floors.merge(room, seq, Math::max);
        published.add(json);
        return new Appended(seq, false);
    }

    @Override
    public long latestSeq(String room, long forwarded) {
        check();
        forwarded(room, forwarded);
        long latest = counters.getOrDefault(room, 0L);
        long floor = floors.getOrDefault(room, 0L);
        if (latest > 0 && latest < floor) {
            counters.put(room, floor);
            latest = floor;
        }
        return latest;
    }

    @Override
    public long[] latestSeqs(List<String> rooms, long[] forwarded) {
        long[] latest = new long[rooms.size()];
        if (failing) {
            Arrays.fill(latest, UNKNOWN);
            return latest;
        }
        // One thread, nothing given out meanwhile: the batch is one latestSeq per room.
        for (int i = 0; i < latest.length; i++) {
            latest[i] = latestSeq(rooms.get(i), forwarded[i]);
        }
        return latest;
    }

    @Override
    public void forwarded(String room, long seq) {
        floors.merge(room, seq, Math::max);
    }

    @Override
    public List<String> window(String room, long fromSeq, long toSeq) {
        check();
        TreeMap<Long, String> window = windows.get(room);
        if (window == null || toSeq < fromSeq) {
            return List.of();
        }
        return new ArrayList<>(window.subMap(fromSeq, true, toSeq, true).values());
    }

    long counter(String room) {
        return counters.getOrDefault(room, 0L);
    }
}
