package io.chatroom.coordinator.auth;

import io.chatroom.common.ChatRules;
import io.chatroom.common.RedisKeys;
import io.chatroom.coordinator.config.ChatroomProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * Counts login attempts per username and per client address in Redis (shared by every coordinator)
 * within a fixed window that starts at the first attempt; a successful login takes its attempt
 * back, so what remains counted are failures. Attempts are counted before the password is checked,
 * so parallel guesses cannot all slip past the limit; once a subject exceeds its maximum, logins
 * for it are refused until the window ends.
 */
@Component
class LoginThrottle {
    private static final RedisScript<Long> COUNT_ATTEMPT =
            RedisScript.of(
                    """
                    local n = redis.call('INCR', KEYS[1])
                    if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
                    return n
                    """,
                    Long.class);

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final ChatroomProperties.Throttle settings;

    LoginThrottle(StringRedisTemplate redis, RedisKeys keys, ChatroomProperties properties) {
        this.redis = redis;
        this.keys = keys;
        this.settings = properties.auth().throttle();
    }

    /**
     * Counts one attempt for the username and the address; returns how long the caller must wait if
     * either has now gone over its maximum of failures.
     */
    Optional<Duration> recordAttempt(String username, String address) {
        String windowMillis = Long.toString(settings.window().toMillis());
        Duration wait = Duration.ZERO;
        for (Subject subject : subjects(username, address)) {
            Long count = redis.execute(COUNT_ATTEMPT, List.of(subject.key()), windowMillis);
            if (count != null && count > subject.maxFailures()) {
                Long ttlMillis = redis.getExpire(subject.key(), TimeUnit.MILLISECONDS);
                Duration left =
                        ttlMillis == null || ttlMillis < 0
                                ? settings.window()
                                : Duration.ofMillis(ttlMillis);
                if (left.compareTo(wait) > 0) {
                    wait = left;
                }
            }
        }
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    /**
     * A successful login forgets the username's failures and takes back its own attempt from the
     * address, so users behind one address are not throttled by each other's successes.
     */
    void recordSuccess(String username, String address) {
        redis.delete(usernameKey(username));
        redis.opsForValue().decrement(addressKey(address));
    }

    private List<Subject> subjects(String username, String address) {
        List<Subject> subjects = new ArrayList<>(2);
        // Only well-formed usernames get a counter: arbitrary input must not mint arbitrary keys.
        if (ChatRules.isValidUsername(username)) {
            subjects.add(new Subject(usernameKey(username), settings.maxFailuresPerUsername()));
        }
        subjects.add(new Subject(addressKey(address), settings.maxFailuresPerAddress()));
        return subjects;
    }

    private String addressKey(String address) {
        return keys.loginFailures("addr:" + address);
    }

    private String usernameKey(String username) {
        return keys.loginFailures("user:" + username.toLowerCase(Locale.ROOT));
    }

    private record Subject(String key, int maxFailures) {}
}
