package io.chatroom.chat.room;

import io.chatroom.chat.ChatroomProperties;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The messages this server appended most recently, as stored, up to {@code
 * chatroom.relay.recent-appends} bytes: what a Redis restarted from an older snapshot may have lost
 * after acking them, for {@link RestartFence} to write back. The oldest go first.
 */
@Component
class RecentAppends {
    /** Per entry, beside its bytes: the record, the arrays and their headers. */
    private static final int OVERHEAD = 64;

    /**
     * One appended message: its room, seq, JSON as stored and idempotency key. Only what cannot be
     * derived from the room: every entry is kept for seconds, so each byte and object here is
     * copied by the young collections of that time.
     */
    record Entry(String room, long seq, byte[] json, byte[] idempotencyKey) {
        long size() {
            return OVERHEAD + 2L * room.length() + json.length + idempotencyKey.length;
        }
    }

    private final long budget;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private long bytes;

    RecentAppends(ChatroomProperties properties) {
        this.budget = properties.relay().recentAppends().toBytes();
    }

    void add(Entry entry) {
        if (budget <= 0) {
            return;
        }
        synchronized (this) {
            entries.addLast(entry);
            bytes += entry.size();
            while (bytes > budget && !entries.isEmpty()) {
                bytes -= entries.removeFirst().size();
            }
        }
    }

    /** Every entry held, per room in increasing seq. */
    Map<String, List<Entry>> byRoom() {
        Map<String, List<Entry>> rooms = new LinkedHashMap<>();
        synchronized (this) {
            for (Entry entry : entries) {
                rooms.computeIfAbsent(entry.room(), r -> new ArrayList<>()).add(entry);
            }
        }
        rooms.values().forEach(list -> list.sort((a, b) -> Long.compare(a.seq(), b.seq())));
        return rooms;
    }
}
