package io.chatroom.common;

import java.util.List;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Every app's start-up refusal of weak secrets ({@link Secrets#requireStrong}): one lifecycle and
 * one way to read the settings and profiles. An app declares it with the secrets it holds:
 *
 * <pre>{@code
 * @Bean
 * static SecretCheck secretCheck(Environment environment) {
 *     return new SecretCheck(environment, SecretCheck.AUTH_SECRET, SecretCheck.CLUSTER_KEY);
 * }
 * }</pre>
 *
 * It is a bean factory post-processor, so it runs before any bean exists and the refusal comes
 * before any connection to Redis or PostgreSQL.
 */
public final class SecretCheck implements BeanFactoryPostProcessor {
    public static final String AUTH_SECRET = "chatroom.auth.secret";
    public static final String CLUSTER_KEY = "chatroom.cluster-key";

    private final Environment environment;
    private final List<String> secrets;

    public SecretCheck(Environment environment, String... secrets) {
        this.environment = environment;
        this.secrets = List.of(secrets);
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        check();
    }

    /**
     * @throws IllegalStateException naming the first weak secret's property and how to fix it
     */
    public void check() {
        // Bound as @ConfigurationProperties will bind them (CHATROOM_AUTH_SECRET and other relaxed
        // forms), before the properties bean exists.
        Binder binder = Binder.get(environment);
        String[] profiles = environment.getActiveProfiles();
        for (String secret : secrets) {
            Secrets.requireStrong(secret, binder.bind(secret, String.class).orElse(null), profiles);
        }
    }
}
