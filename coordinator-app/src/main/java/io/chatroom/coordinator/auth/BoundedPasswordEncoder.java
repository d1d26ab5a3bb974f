package io.chatroom.coordinator.auth;

import io.chatroom.coordinator.config.ChatroomProperties;
import io.chatroom.coordinator.web.ApiException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Runs at most a fixed number of password hashes at once. Argon2id is memory-hard on purpose (19
 * MiB per hash), so a login storm must queue for a permit rather than exhaust the heap; a request
 * that waits too long is answered 503 with Retry-After.
 */
final class BoundedPasswordEncoder implements PasswordEncoder {
    private final PasswordEncoder delegate;
    private final Semaphore permits;
    private final long maxWaitMillis;

    BoundedPasswordEncoder(PasswordEncoder delegate, ChatroomProperties.Hashing settings) {
        if (settings.maxConcurrent() < 1) {
            throw new IllegalArgumentException("chatroom.auth.hashing.max-concurrent must be >= 1");
        }
        this.delegate = delegate;
        this.permits = new Semaphore(settings.maxConcurrent(), true);
        this.maxWaitMillis = settings.maxWait().toMillis();
    }

    @Override
    public String encode(CharSequence rawPassword) {
        return withPermit(() -> delegate.encode(rawPassword));
    }

    @Override
    public boolean matches(CharSequence rawPassword, String encodedPassword) {
        return withPermit(() -> delegate.matches(rawPassword, encodedPassword));
    }

    @Override
    public boolean upgradeEncoding(String encodedPassword) {
        return delegate.upgradeEncoding(encodedPassword);
    }

    private <T> T withPermit(Supplier<T> work) {
        boolean acquired;
        try {
            acquired = permits.tryAcquire(maxWaitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            throw new ApiException(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "Too many logins at once; retry shortly",
                    List.of(),
                    Map.of(HttpHeaders.RETRY_AFTER, "1"));
        }
        try {
            return work.get();
        } finally {
            permits.release();
        }
    }
}
