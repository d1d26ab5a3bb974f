package io.chatroom.coordinator.auth;

import io.chatroom.common.RedisKeys;
import io.chatroom.coordinator.config.ChatroomProperties;
import java.time.Duration;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Admits at most a fixed number of registrations per client address within a fixed window that
 * starts at the first one. Each registration costs an Argon2id hash, so one address must not be
 * able to keep the hashing gate busy and starve logins.
 */
@Component
class RegistrationThrottle {
    private final WindowCounters counters;
    private final RedisKeys keys;
    private final ChatroomProperties.Throttle settings;

    RegistrationThrottle(WindowCounters counters, RedisKeys keys, ChatroomProperties properties) {
        this.counters = counters;
        this.keys = keys;
        this.settings = properties.auth().throttle();
    }

    /**
     * Counts one registration attempt from the address (before any hashing, so parallel requests
     * cannot overshoot); returns how long to wait if the address has used up its registrations.
     */
    Optional<Duration> refusal(String address) {
        if (settings.maxRegistrationsPerAddress() <= 0) {
            return Optional.empty();
        }
        WindowCounters.Count count =
                counters.increment(keys.registrations(address), settings.registrationWindow());
        return count.value() > settings.maxRegistrationsPerAddress()
                ? Optional.of(count.left())
                : Optional.empty();
    }
}
