package io.chatroom.archiver.history;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** Per-room totals, kept in the drainer's transaction so they always match chat_message. */
@Entity
@Table(name = "room_summary")
class RoomSummary {
    @Id private String room;
    private long messages;

    @Column(name = "last_seq")
    private long lastSeq;

    @Column(name = "last_activity")
    private Instant lastActivity;

    protected RoomSummary() {}

    RoomInfo toRoomInfo() {
        return new RoomInfo(room, messages, lastSeq, lastActivity);
    }
}
