package io.chatroom.archiver.history;

import java.time.Instant;

/** One entry of GET /api/rooms. */
public record RoomInfo(String room, long messages, long lastSeq, Instant lastActivity) {}
