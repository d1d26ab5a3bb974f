package io.chatroom.chat.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SendGateTests {
    private final SendGate gate = new SendGate();

    @Test
    void onceClosedNoSendGetsIn() throws InterruptedException {
        assertThat(gate.closeAndDrain(1_000)).isTrue();

        assertThat(gate.enter()).isFalse();
        assertThat(gate.inside()).isZero();
    }

    @Test
    void theDrainWaitsForTheSendsInsideAndTellsWhenItGaveUp() throws Exception {
        assertThat(gate.enter()).isTrue();
        CompletableFuture<Boolean> drained =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return gate.closeAndDrain(10_000);
                            } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                            }
                        });
        // Closed at once: no newcomer gets in while the one inside finishes.
        awaitClosed();
        assertThat(drained).isNotDone();

        gate.leave();

        assertThat(drained.get(5, TimeUnit.SECONDS)).isTrue();
        SendGate stuck = new SendGate();
        assertThat(stuck.enter()).isTrue();
        assertThat(stuck.closeAndDrain(50)).isFalse();
    }

    private void awaitClosed() {
        while (gate.enter()) {
            gate.leave();
            Thread.onSpinWait();
        }
    }

    @Test
    void noSendIsInsideOrGetsInOnceTheDrainReturned() throws Exception {
        int threads = 4;
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        AtomicBoolean drainReturned = new AtomicBoolean();
        AtomicInteger lateComers = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        CompletableFuture<?>[] senders = new CompletableFuture<?>[threads];
        for (int t = 0; t < threads; t++) {
            senders[t] =
                    CompletableFuture.runAsync(
                            () -> {
                                awaitQuietly(start);
                                while (gate.enter()) {
                                    if (drainReturned.get()) {
                                        lateComers.incrementAndGet();
                                    }
                                    admitted.incrementAndGet();
                                    finished.incrementAndGet();
                                    gate.leave();
                                }
                            });
        }
        start.countDown();
        while (admitted.get() < 1_000) {
            Thread.onSpinWait();
        }

        assertThat(gate.closeAndDrain(5_000)).isTrue();
        drainReturned.set(true);
        // Every send that got in has left, and none gets in after.
        assertThat(finished.get()).isEqualTo(admitted.get());
        CompletableFuture.allOf(senders).get(5, TimeUnit.SECONDS);
        assertThat(lateComers.get()).isZero();
        assertThat(finished.get()).isEqualTo(admitted.get());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
