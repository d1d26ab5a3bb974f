package io.chatroom.common;

import java.time.Instant;

/**
 * One broadcast room message. The same JSON shape travels through the Redis window, the archive
 * queue, pub/sub and the STOMP frame on {@code /topic/rooms/{room}}; {@code seq} is 1, 2, 3, ...
 * per room and never repeats.
 */
public record ChatMessage(
        String id, String room, long seq, String sender, String text, Instant sentAt) {}
