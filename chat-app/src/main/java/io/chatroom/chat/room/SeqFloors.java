package io.chatroom.chat.room;

import io.chatroom.chat.ChatroomProperties;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Per room, the highest seq this server knows was given out. Bounded: the rooms used least recently
 * are forgotten, and a forgotten room's floor is read from the archive again.
 */
@Component
final class SeqFloors {
    private final Map<String, Long> floors;

    @Autowired
    SeqFloors(ChatroomProperties properties) {
        this(properties.relay().seqFloorRooms());
    }

    SeqFloors(int maxRooms) {
        this.floors =
                new LinkedHashMap<>(16, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                        return size() > maxRooms;
                    }
                };
    }

    /** The room's floor, or null when this server does not know the room (any more). */
    synchronized Long get(String room) {
        return floors.get(room);
    }

    synchronized long getOrZero(String room) {
        Long floor = floors.get(room);
        return floor == null ? 0 : floor;
    }

    /** Raises the room's floor to at least {@code seq}. */
    synchronized void note(String room, long seq) {
        floors.merge(room, seq, Math::max);
    }

    /** A copy of every floor known, for raising them all in a Redis that came back. */
    synchronized Map<String, Long> all() {
        return new LinkedHashMap<>(floors);
    }
}
