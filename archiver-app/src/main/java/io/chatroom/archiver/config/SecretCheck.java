package io.chatroom.archiver.config;

import io.chatroom.common.Secrets;
import java.util.Arrays;
import java.util.Set;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/** Refuses to start with a default or short cluster key outside the dev/local profiles. */
@Component
class SecretCheck {
    private static final Set<String> DEV_PROFILES = Set.of("dev", "local");

    SecretCheck(ChatroomProperties properties, Environment environment) {
        boolean dev =
                Arrays.stream(environment.getActiveProfiles()).anyMatch(DEV_PROFILES::contains);
        Secrets.requireStrong("chatroom.cluster-key", properties.clusterKey(), dev);
    }
}
