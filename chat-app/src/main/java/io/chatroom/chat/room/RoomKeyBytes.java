package io.chatroom.chat.room;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.common.RedisKeys;
import java.nio.charset.StandardCharsets;
import org.springframework.stereotype.Component;

/**
 * A room's keys and the store's fixed settings as the scripts that store a message take them (raw
 * bytes, no serializer): the append script and the restart fence's write-back both store into the
 * same counter, window, archive queue and channel, with the same window size and idempotency TTL.
 */
@Component
final class RoomKeyBytes {
    private final RedisKeys keys;
    private final byte[] windowSize;
    private final byte[] idempotencyTtlSeconds;

    RoomKeyBytes(RedisKeys keys, ChatroomProperties properties) {
        this.keys = keys;
        this.windowSize = utf8(Integer.toString(properties.windowSize()));
        this.idempotencyTtlSeconds = utf8(Long.toString(properties.idempotencyTtl().toSeconds()));
    }

    /** The room's counter, window and archive queue, in the order the scripts take them. */
    byte[][] store(String room) {
        return new byte[][] {
            utf8(keys.roomSeq(room)),
            utf8(keys.roomWindow(room)),
            utf8(keys.archiveQueue(RedisKeys.shardOf(room)))
        };
    }

    byte[] idempotency(String room, String scopedClientMessageId) {
        return utf8(keys.idempotency(room, scopedClientMessageId));
    }

    byte[] channel(String room) {
        return utf8(keys.roomChannel(room));
    }

    /** How many messages a room's window keeps. */
    byte[] windowSize() {
        return windowSize;
    }

    /** How long a client message id is remembered, in seconds. */
    byte[] idempotencyTtlSeconds() {
        return idempotencyTtlSeconds;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
