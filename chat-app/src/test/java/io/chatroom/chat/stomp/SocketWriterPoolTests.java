package io.chatroom.chat.stomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SocketWriterPoolTests {
    private static final Duration STALL = Duration.ofMillis(50);
    private static final Duration WAIT = Duration.ofSeconds(5);

    private SocketWriterPool pool;

    @AfterEach
    void shutdown() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    @Test
    void aStuckDrainDoesNotHoldBackTheOthers() throws InterruptedException {
        pool = new SocketWriterPool(1, 4, STALL);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stuck = new CountDownLatch(1);
        pool.execute(
                () -> {
                    stuck.countDown();
                    awaitQuietly(release);
                });
        assertThat(stuck.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        // The only lane is blocked; the watchdog gives the queue a new thread.
        CountDownLatch others = new CountDownLatch(10);
        for (int i = 0; i < 10; i++) {
            pool.execute(others::countDown);
        }
        assertThat(others.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(pool.threads()).isEqualTo(2);
        assertThat(pool.replaced()).isEqualTo(1);

        // Once its write returns, the detached thread ends: one lane again.
        release.countDown();
        await().atMost(WAIT).until(() -> pool.threads() == 1);
    }

    @Test
    void threadsStayWithinTheMaximum() throws InterruptedException {
        pool = new SocketWriterPool(1, 2, STALL);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stuck = new CountDownLatch(2);
        for (int i = 0; i < 3; i++) {
            pool.execute(
                    () -> {
                        stuck.countDown();
                        awaitQuietly(release);
                    });
        }
        assertThat(stuck.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        // Both threads are stuck and a drain is waiting: for several stall periods the watchdog
        // sees a blocked lane, and must still not add a third thread. Checked all along, not once.
        await("at most two threads while both are stuck")
                .during(STALL.multipliedBy(4))
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(5))
                .until(() -> pool.threads() == 2);

        release.countDown();
        CountDownLatch after = new CountDownLatch(1);
        pool.execute(after::countDown);
        assertThat(after.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void aShutDownPoolRefusesWork() {
        pool = new SocketWriterPool(1, 1, STALL);
        pool.shutdown();
        assertThatThrownBy(() -> pool.execute(() -> {}))
                .isInstanceOf(RejectedExecutionException.class);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
