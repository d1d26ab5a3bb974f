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
 * Counts failed logins per username and per client address in Redis (shared by every coordinator)
 * within a fixed window that starts at the first failure; once a subject reaches its maximum,
 * logins for it are refused until the window ends.
 */
@Component
class LoginThrottle {
    private static final RedisScript<Long> COUNT_FAILURE =
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

    /** How long the caller must wait, if either subject has used up its failures. */
    Optional<Duration> refusal(String username, String address) {
        Duration wait = Duration.ZERO;
        for (Subject subject : subjects(username, address)) {
            String value = redis.opsForValue().get(subject.key());
            if (value != null && Long.parseLong(value) >= subject.maxFailures()) {
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

    void recordFailure(String username, String address) {
        String windowMillis = Long.toString(settings.window().toMillis());
        for (Subject subject : subjects(username, address)) {
            redis.execute(COUNT_FAILURE, List.of(subject.key()), windowMillis);
        }
    }

    /** A successful login forgets the username's failures (not the address's). */
    void recordSuccess(String username) {
        redis.delete(usernameKey(username));
    }

    private List<Subject> subjects(String username, String address) {
        List<Subject> subjects = new ArrayList<>(2);
        // Only well-formed usernames get a counter: arbitrary input must not mint arbitrary keys.
        if (ChatRules.isValidUsername(username)) {
            subjects.add(new Subject(usernameKey(username), settings.maxFailuresPerUsername()));
        }
        subjects.add(
                new Subject(
                        keys.loginFailures("addr:" + address), settings.maxFailuresPerAddress()));
        return subjects;
    }

    private String usernameKey(String username) {
        return keys.loginFailures("user:" + username.toLowerCase(Locale.ROOT));
    }

    private record Subject(String key, int maxFailures) {}
}
