package io.chatroom.chat.room;

import io.chatroom.chat.ChatroomProperties;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Per room, the highest seq this server knows was given out, and whether that includes the
 * archive's {@code max(seq)}. A floor learnt from Redis alone (a counter read when a subscription
 * starts or at a re-sync, a forwarded message, an append answered while PostgreSQL was away) can be
 * below what the archive holds when Redis came back with older data, so a room's SENDs read the
 * archive until one read of it succeeded. Bounded: the rooms used least recently are forgotten, and
 * a forgotten room's floor is read from the archive again.
 */
@Component
final class SeqFloors {
    private record Floor(long seq, boolean archiveChecked) {}

    private final Map<String, Floor> floors;

    @Autowired
    SeqFloors(ChatroomProperties properties) {
        this(properties.relay().seqFloorRooms());
    }

    SeqFloors(int maxRooms) {
        this.floors =
                new LinkedHashMap<>(16, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, Floor> eldest) {
                        return size() > maxRooms;
                    }
                };
    }

    /**
     * The room's floor if it includes the archive's {@code max(seq)}; null when this server has not
     * read the archive for the room (or forgot the room): the caller reads it then.
     */
    synchronized Long archiveChecked(String room) {
        Floor floor = floors.get(room);
        return floor != null && floor.archiveChecked() ? floor.seq() : null;
    }

    synchronized long getOrZero(String room) {
        Floor floor = floors.get(room);
        return floor == null ? 0 : floor.seq();
    }

    /**
     * Raises the room's floor to at least {@code seq}, a seq seen given out; 0 or less says nothing
     * and is ignored.
     */
    synchronized void note(String room, long seq) {
        if (seq <= 0) {
            return;
        }
        Floor floor = floors.get(room);
        if (floor == null) {
            floors.put(room, new Floor(seq, false));
        } else if (floor.seq() < seq) {
            floors.put(room, new Floor(seq, floor.archiveChecked()));
        }
    }

    /** Raises the room's floor to at least the archive's {@code max(seq)}, just read (0: none). */
    synchronized void noteArchived(String room, long archivedMaxSeq) {
        Floor floor = floors.get(room);
        long seq = floor == null ? archivedMaxSeq : Math.max(floor.seq(), archivedMaxSeq);
        floors.put(room, new Floor(seq, true));
    }

    /**
     * Keeps every floor but makes each room's next SEND read the archive again: after Redis came
     * back with older data, the archive may hold seqs that no live server's floor does (a server
     * that gave them out died with Redis).
     */
    synchronized void recheckArchive() {
        floors.replaceAll((room, floor) -> new Floor(floor.seq(), false));
    }

    /** A copy of every floor known, for raising them all in a Redis that came back. */
    synchronized Map<String, Long> all() {
        Map<String, Long> all = new LinkedHashMap<>();
        floors.forEach((room, floor) -> all.put(room, floor.seq()));
        return all;
    }
}
