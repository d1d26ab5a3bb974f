package io.chatroom.coordinator.auth;

import io.chatroom.common.ChatRules;
import io.chatroom.common.RedisKeys;
import io.chatroom.coordinator.config.ChatroomProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Counts failed logins per (username, client address) and per client address, within a fixed window
 * that starts at the first failure; once a subject reaches its maximum, logins for it are refused
 * until the window ends. No counter is per username alone: failures from one address never lock the
 * account's owner out at another address.
 */
@Component
class LoginThrottle {
    private final WindowCounters counters;
    private final RedisKeys keys;
    private final ChatroomProperties.Throttle settings;

    LoginThrottle(WindowCounters counters, RedisKeys keys, ChatroomProperties properties) {
        this.counters = counters;
        this.keys = keys;
        this.settings = properties.auth().throttle();
    }

    /** How long the caller must wait, if either subject has used up its failures. */
    Optional<Duration> refusal(String username, String address) {
        Duration wait = Duration.ZERO;
        for (Subject subject : subjects(username, address)) {
            WindowCounters.Count count = counters.read(subject.key(), settings.window());
            if (count.value() >= subject.maxFailures() && count.left().compareTo(wait) > 0) {
                wait = count.left();
            }
        }
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    void recordFailure(String username, String address) {
        for (Subject subject : subjects(username, address)) {
            counters.increment(subject.key(), settings.window());
        }
    }

    /** A successful login forgets the failures of this username at this address only. */
    void recordSuccess(String username, String address) {
        if (ChatRules.isValidUsername(username)) {
            counters.reset(userAtAddressKey(username, address));
        }
    }

    private List<Subject> subjects(String username, String address) {
        List<Subject> subjects = new ArrayList<>(2);
        // Only well-formed usernames get a counter: arbitrary input must not mint arbitrary keys.
        if (ChatRules.isValidUsername(username)
                && settings.maxFailuresPerUsernameAndAddress() > 0) {
            subjects.add(
                    new Subject(
                            userAtAddressKey(username, address),
                            settings.maxFailuresPerUsernameAndAddress()));
        }
        if (settings.maxFailuresPerAddress() > 0) {
            subjects.add(
                    new Subject(
                            keys.loginFailures("addr:" + address),
                            settings.maxFailuresPerAddress()));
        }
        return subjects;
    }

    private String userAtAddressKey(String username, String address) {
        return keys.loginFailures("user:" + username.toLowerCase(Locale.ROOT) + ":addr:" + address);
    }

    private record Subject(String key, int maxFailures) {}
}
