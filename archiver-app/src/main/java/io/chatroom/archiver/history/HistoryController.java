package io.chatroom.archiver.history;

import io.chatroom.archiver.backup.BackupInfo;
import io.chatroom.archiver.backup.Backups;
import io.chatroom.archiver.drain.ArchiveQueue;
import io.chatroom.common.ChatMessage;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Read-only history and status API for the web UI (CORS in WebConfig). */
@RestController
class HistoryController {
    private final History history;
    private final ArchiveQueue queue;
    private final Backups backups;

    HistoryController(History history, ArchiveQueue queue, Backups backups) {
        this.history = history;
        this.queue = queue;
        this.backups = backups;
    }

    @GetMapping("/api/rooms/{room}/messages")
    List<ChatMessage> messages(
            @PathVariable String room,
            @RequestParam(required = false) Long beforeSeq,
            @RequestParam(required = false) Long afterSeq,
            @RequestParam(required = false) Integer limit) {
        return history.page(room, beforeSeq, afterSeq, limit);
    }

    @GetMapping("/api/rooms")
    List<RoomInfo> rooms() {
        return history.rooms();
    }

    @GetMapping("/api/archive/status")
    ArchiveStatus status() {
        return new ArchiveStatus(queue.backlog(), history.archivedTotal(), backups.lastBackup());
    }

    /** Lag = messages still in Redis; lastBackup is null until one exists. */
    record ArchiveStatus(long lag, long archivedTotal, BackupInfo lastBackup) {}
}
