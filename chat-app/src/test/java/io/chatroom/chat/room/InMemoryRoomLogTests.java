package io.chatroom.chat.room;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.chat.ChatException;
import io.chatroom.common.ErrorCodes;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The in-memory fake keeps the {@link RoomLogContract}, so unit tests built on it mean something.
 */
class InMemoryRoomLogTests extends RoomLogContract {
    private InMemoryRoomLog log;

    @Override
    RoomLog log() {
        log = new InMemoryRoomLog(WINDOW);
        return log;
    }

    @Override
    void loseRoom(String room) {
        log.wipe();
    }

    @Override
    Object snapshot(String room) {
        return log.snapshot();
    }

    @Override
    void rollBack(String room, Object snapshot) {
        log.rollback((InMemoryRoomLog.Snapshot) snapshot);
    }

    /** The Redis log's outage behaviour is RedisOutageIntegrationTests'; the fake's is here. */
    @Test
    void anUnreachableStoreFailsTheAppendAsUnavailableWithoutThrowing() {
        log.failing = true;

        CompletableFuture<RoomLog.Appended> append = log.append("lobby", "ann", "m1", "hello");

        assertThat(append)
                .failsWithin(java.time.Duration.ZERO)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause()
                .isInstanceOfSatisfying(
                        ChatException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCodes.UNAVAILABLE));
    }
}
