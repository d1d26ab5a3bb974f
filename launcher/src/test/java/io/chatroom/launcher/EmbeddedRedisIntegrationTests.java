package io.chatroom.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.stores.RedisPing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedRedisIntegrationTests {
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    @Test
    void startsRedisWithItsAppendOnlyFileUnderTheRunDirectoryAndStopsIt(@TempDir Path runDir) {
        var stores = new EmbeddedStores(runDir, JavaCommand.current());

        EmbeddedStores.Started redis = stores.startRedis(StoreResolver.ANY_FREE_PORT);
        try {
            assertThat(RedisPing.pong(StoreResolver.LOCALHOST, redis.port())).isTrue();
            assertThat(runDir.resolve("redis/appendonly.aof")).exists();
            assertThat(runDir.resolve("logs/redis.log")).exists();
        } finally {
            redis.process().requestStop();
            redis.process().awaitStop(System.nanoTime() + STOP_WAIT.toNanos());
        }

        assertThat(redis.process().alive()).isFalse();
        assertThat(RedisPing.pong(StoreResolver.LOCALHOST, redis.port())).isFalse();
        assertThat(Files.isDirectory(runDir.resolve("redis"))).isTrue();
    }
}
