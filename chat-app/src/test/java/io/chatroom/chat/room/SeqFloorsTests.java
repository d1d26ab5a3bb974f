package io.chatroom.chat.room;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the SEND path may take from {@link SeqFloors}: a floor counts as known only once the archive
 * was read for the room, whatever Redis alone said before or after.
 */
class SeqFloorsTests {
    private final SeqFloors floors = new SeqFloors(2);

    @Test
    void aFloorLearntFromRedisAloneDoesNotSpareTheArchive() {
        floors.note("r", 7);

        assertThat(floors.getOrZero("r")).isEqualTo(7);
        assertThat(floors.archiveChecked("r")).isNull();
    }

    @Test
    void theArchiveReadStaysInTheFloorAsItRises() {
        floors.note("r", 7);
        floors.noteArchived("r", 5);
        assertThat(floors.archiveChecked("r")).isEqualTo(7);

        floors.note("r", 9);
        assertThat(floors.archiveChecked("r")).isEqualTo(9);
        floors.noteArchived("r", 12);
        assertThat(floors.archiveChecked("r")).isEqualTo(12);
        floors.note("r", 3);
        assertThat(floors.archiveChecked("r")).isEqualTo(12);
    }

    @Test
    void afterARedisRestartEveryRoomReadsTheArchiveAgainAndKeepsItsFloor() {
        floors.noteArchived("a", 4);
        floors.note("b", 6);
        floors.recheckArchive();

        assertThat(floors.archiveChecked("a")).isNull();
        assertThat(floors.all()).isEqualTo(Map.of("a", 4L, "b", 6L));
        floors.noteArchived("a", 2);
        assertThat(floors.archiveChecked("a")).isEqualTo(4);
    }

    @Test
    void anEmptyArchiveIsAKnownFloorOfZeroButASeqOfZeroSaysNothing() {
        floors.note("unknown", 0);
        assertThat(floors.all()).doesNotContainKey("unknown");

        floors.noteArchived("empty", 0);
        assertThat(floors.archiveChecked("empty")).isZero();
    }

    @Test
    void theRoomUsedLeastRecentlyIsForgottenAndReadFromTheArchiveAgain() {
        floors.noteArchived("a", 1);
        floors.noteArchived("b", 2);
        floors.archiveChecked("a");
        floors.noteArchived("c", 3);

        assertThat(floors.archiveChecked("b")).isNull();
        assertThat(floors.all()).isEqualTo(Map.of("a", 1L, "c", 3L));
    }
}
