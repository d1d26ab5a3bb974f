package io.chatroom.archiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.archiver.drain.ArchiveDrainer;
import io.chatroom.common.ChatMessage;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.RedisCallback;

/**
 * Not part of verify (no *Tests suffix). Run with {@code ./mvnw -B -pl archiver-app test
 * -Dtest=ArchiveBenchmark -Dsurefire.failIfNoSpecifiedTests=false}; figures go to the log.
 */
class ArchiveBenchmark extends ArchiverIntegrationTest {
    private static final Logger log = LoggerFactory.getLogger(ArchiveBenchmark.class);
    private static final int BACKLOG = 100_000;
    private static final int BACKLOG_ROOMS = 100;
    private static final int PUSH_CHUNK = 10_000;
    private static final int BIG_ROOM_ROWS = 1_000_000;
    private static final int PAGE_REQUESTS = 2_000;
    private static final int WARM_UP = 200;

    @Autowired ArchiveDrainer drainer;

    @Test
    void catchUpAfterABacklogAndPageLatency() {
        drainer.stop();
        long memoryBefore = usedMemory();
        for (int from = 1; from <= BACKLOG / BACKLOG_ROOMS; from += PUSH_CHUNK / BACKLOG_ROOMS) {
            List<ChatMessage> chunk = new ArrayList<>(PUSH_CHUNK);
            for (int r = 0; r < BACKLOG_ROOMS; r++) {
                chunk.addAll(messages("bench-" + r, from, PUSH_CHUNK / BACKLOG_ROOMS));
            }
            push(chunk);
        }
        long memoryAfter = usedMemory();
        assertThat(backlog()).isEqualTo(BACKLOG);
        long start = System.nanoTime();
        drainer.start();
        await().atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> backlog() == 0);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(archivedCount("bench-")).isEqualTo(BACKLOG);
        log.info(
                "BENCH backlog: {} messages held {} bytes of Redis memory; archived in {} s = {}"
                        + " messages/s",
                BACKLOG,
                memoryAfter - memoryBefore,
                String.format("%.2f", seconds),
                Math.round(BACKLOG / seconds));

        jdbc.update(
                "insert into archive.chat_message (room, seq, id, sender, text, sent_at) select"
                        + " 'big', s, md5(s::text), 'user' || (s % 50), repeat('x', 80), now()"
                        + " from generate_series(1, ?) s",
                BIG_ROOM_ROWS);
        jdbc.execute("analyze archive.chat_message");
        for (String plan :
                jdbc.queryForList(
                        "explain (analyze, buffers) select * from archive.chat_message where"
                                + " room = 'big' and seq < 500000 order by seq desc limit 200",
                        String.class)) {
            log.info("BENCH plan: {}", plan);
        }
        long[] micros = new long[PAGE_REQUESTS];
        for (int i = 0; i < WARM_UP + PAGE_REQUESTS; i++) {
            long before = ThreadLocalRandom.current().nextLong(201, BIG_ROOM_ROWS + 1);
            long t0 = System.nanoTime();
            HttpResponse<String> page =
                    get("/api/rooms/big/messages?limit=200&beforeSeq=" + before);
            long took = (System.nanoTime() - t0) / 1_000;
            assertThat(page.statusCode()).isEqualTo(200);
            if (i >= WARM_UP) {
                micros[i - WARM_UP] = took;
            }
        }
        Arrays.sort(micros);
        log.info(
                "BENCH page of 200 from a room of {} rows over HTTP: p50 {} ms, p99 {} ms, max {}"
                        + " ms",
                BIG_ROOM_ROWS,
                micros[PAGE_REQUESTS / 2] / 1000.0,
                micros[PAGE_REQUESTS * 99 / 100] / 1000.0,
                micros[PAGE_REQUESTS - 1] / 1000.0);
    }

    private long usedMemory() {
        Properties info =
                redis.execute((RedisCallback<Properties>) c -> c.serverCommands().info("memory"));
        return Long.parseLong(info.getProperty("used_memory"));
    }
}
