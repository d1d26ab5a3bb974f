package io.chatroom.chat.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SendRateLimiterTests {

    @Test
    void allowsTheBurstThenTheSteadyRate() {
        AtomicLong now = new AtomicLong();
        SendRateLimiter limiter = new SendRateLimiter(20, 40, now::get);
        for (int i = 0; i < 40; i++) {
            assertThat(limiter.tryAcquire("u")).isTrue();
        }
        assertThat(limiter.tryAcquire("u")).isFalse();
        assertThat(limiter.tryAcquire("other")).isTrue();
        now.addAndGet(50_000_000L); // 50 ms = one message at 20/s
        assertThat(limiter.tryAcquire("u")).isTrue();
        assertThat(limiter.tryAcquire("u")).isFalse();
    }

    @Test
    void zeroTurnsItOff() {
        SendRateLimiter limiter = new SendRateLimiter(0, 0, () -> 0);
        for (int i = 0; i < 1000; i++) {
            assertThat(limiter.tryAcquire("u")).isTrue();
        }
    }
}
