package io.chatroom.archiver.history;

import io.chatroom.common.ChatMessage;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** A committed row of archive.chat_message, read-only (the drainer writes with one statement). */
@Entity
@Table(name = "chat_message")
@IdClass(ArchivedMessage.Key.class)
class ArchivedMessage {
    @Id private String room;
    @Id private long seq;
    private String id;
    private String sender;
    private String text;

    @Column(name = "sent_at")
    private Instant sentAt;

    @Column(name = "archived_at")
    private Instant archivedAt;

    protected ArchivedMessage() {}

    ChatMessage toChatMessage() {
        return new ChatMessage(id, room, seq, sender, text, sentAt);
    }

    /** The primary key (room, seq). */
    record Key(String room, long seq) implements Serializable {
        Key() {
            this(null, 0);
        }
    }
}
