package io.chatroom.chat.room;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Message ids: random (version 4) UUIDs from a thread-local generator. They only need to be unique,
 * not unpredictable, and {@link UUID#randomUUID()} takes a lock and reads the operating system's
 * entropy for every message.
 */
final class MessageIds {
    private MessageIds() {}

    static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long most = (random.nextLong() & ~0xF000L) | 0x4000L;
        long least = (random.nextLong() & ~(0xC000000000000000L)) | 0x8000000000000000L;
        return new UUID(most, least).toString();
    }
}
