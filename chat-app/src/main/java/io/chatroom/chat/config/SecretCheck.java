package io.chatroom.chat.config;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.common.Secrets;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Refuses to start outside the dev/local profiles with a built-in or short secret ({@link
 * Secrets#requireStrong}), the same way in every app. It runs as a bean factory post-processor,
 * before any bean exists, so the refusal comes before any connection to Redis or PostgreSQL.
 */
@Configuration(proxyBeanMethods = false)
class SecretCheck {
    static final String AUTH_SECRET = "chatroom.auth.secret";
    static final String CLUSTER_KEY = "chatroom.cluster-key";

    @Bean
    static BeanFactoryPostProcessor refuseWeakSecrets(Environment environment) {
        // The settings as the app will bind them, before the properties bean exists.
        return beanFactory ->
                check(
                        Binder.get(environment).bindOrCreate("chatroom", ChatroomProperties.class),
                        environment);
    }

    /**
     * @throws IllegalStateException naming the weak secret's property and how to fix it
     */
    static void check(ChatroomProperties properties, Environment environment) {
        String[] profiles = environment.getActiveProfiles();
        String authSecret = properties.auth() == null ? null : properties.auth().secret();
        Secrets.requireStrong(AUTH_SECRET, authSecret, profiles);
        Secrets.requireStrong(CLUSTER_KEY, properties.clusterKey(), profiles);
    }
}
