package io.chatroom.coordinator.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatroom.coordinator.config.ChatroomProperties;
import io.chatroom.coordinator.web.ApiException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.security.crypto.password.PasswordEncoder;

class BoundedPasswordEncoderTests {

    /** A hash that blocks until released, to hold a permit. */
    private static final class BlockingEncoder implements PasswordEncoder {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public String encode(CharSequence rawPassword) {
            started.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "hash:" + rawPassword;
        }

        @Override
        public boolean matches(CharSequence rawPassword, String encodedPassword) {
            return encodedPassword.equals("hash:" + rawPassword);
        }
    }

    @Test
    void aHashBeyondTheLimitIsRefusedWith503AndRetryAfter() throws Exception {
        BlockingEncoder slow = new BlockingEncoder();
        BoundedPasswordEncoder bounded =
                new BoundedPasswordEncoder(
                        slow, new ChatroomProperties.Hashing(1, Duration.ofMillis(100)));
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> bounded.encode("a"));
        assertThat(slow.started.await(5, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(() -> bounded.matches("b", "hash:b"))
                .isInstanceOfSatisfying(
                        ApiException.class,
                        e -> {
                            assertThat(e.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
                            assertThat(e.headers()).containsEntry("Retry-After", "1");
                        });

        slow.release.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("hash:a");
        // The permit came back: the next hash runs.
        assertThat(bounded.matches("b", "hash:b")).isTrue();
    }
}
