package io.chatroom.chat.config;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.common.Secrets;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;

/** Refuses to start outside dev/local with a default or short secret. */
@Configuration(proxyBeanMethods = false)
class StartupChecks {

    StartupChecks(ChatroomProperties properties, Environment environment) {
        boolean dev = environment.acceptsProfiles(Profiles.of("dev", "local"));
        Secrets.requireStrong("chatroom.auth.secret", properties.auth().secret(), dev);
        Secrets.requireStrong("chatroom.cluster-key", properties.clusterKey(), dev);
    }
}
