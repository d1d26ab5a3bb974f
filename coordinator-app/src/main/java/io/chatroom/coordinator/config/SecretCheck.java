package io.chatroom.coordinator.config;

import io.chatroom.common.Secrets;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.env.Environment;

/**
 * Refuses to start outside the dev/local profiles with a built-in or short secret. It runs as a
 * bean factory post-processor so the refusal comes before any connection to Redis or PostgreSQL.
 */
final class SecretCheck implements BeanFactoryPostProcessor {
    static final String AUTH_SECRET = "chatroom.auth.secret";
    static final String CLUSTER_KEY = "chatroom.cluster-key";

    private final Environment environment;

    SecretCheck(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        boolean dev = environment.matchesProfiles("dev", "local");
        Secrets.requireStrong(AUTH_SECRET, environment.getProperty(AUTH_SECRET), dev);
        Secrets.requireStrong(CLUSTER_KEY, environment.getProperty(CLUSTER_KEY), dev);
    }
}
