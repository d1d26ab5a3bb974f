package io.chatroom.testsupport;

import io.chatroom.stores.PortProbe;
import io.chatroom.stores.StoreResolver;
import io.chatroom.stores.StoreResolver.Profile;
import io.chatroom.stores.StoreSettings;
import java.util.UUID;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Redis and PostgreSQL for integration tests, found as the launcher finds them ({@link #stores()}):
 * explicit settings ({@code REDIS_URL}, {@code DATABASE_URL} / {@code spring.datasource.*}), the
 * default local ports when something answers there, else embedded servers started once per JVM.
 * Every caller gets a fresh database and a fresh Redis key prefix, both removed when the JVM exits.
 */
public final class TestInfra {

    private TestInfra() {}

    /**
     * Registers Redis, a fresh PostgreSQL database and a fresh key prefix for one Spring context.
     * Returns them so a test can look at the same stores directly.
     */
    public static Env register(DynamicPropertyRegistry registry) {
        Env env = newEnv();
        registry.add("spring.data.redis.url", env::redisUrl);
        registry.add("spring.datasource.url", env.database()::jdbcUrl);
        registry.add("spring.datasource.username", env.database()::username);
        registry.add("spring.datasource.password", env.database()::password);
        registry.add("chatroom.redis.key-prefix", env::keyPrefix);
        registry.add("chatroom.auth.secret", env::authSecret);
        registry.add("chatroom.cluster-key", env::clusterKey);
        return env;
    }

    /** A fresh database and key prefix on the shared servers. */
    public static Env newEnv() {
        String prefix = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String redisUrl = RedisServers.url();
        RedisServers.deleteOnExit(redisUrl, prefix);
        return new Env(
                redisUrl, PostgresServers.freshDatabase(), prefix, randomSecret(), randomSecret());
    }

    /** Stores and secrets of one test run. */
    public record Env(
            String redisUrl,
            Database database,
            String keyPrefix,
            String authSecret,
            String clusterKey) {}

    private static String randomSecret() {
        return UUID.randomUUID().toString() + UUID.randomUUID();
    }

    /** A database created for one test run. */
    public record Database(String jdbcUrl, String username, String password) {}

    /**
     * Where the tests' stores come from: the launcher's order ({@link StoreResolver}) read from
     * system properties and the environment. {@code -Dchatroom.embedded=always} (or {@code
     * CHATROOM_EMBEDDED=always}) makes the tests start embedded Redis 6.2 and PostgreSQL 14, and
     * use the bundled {@code redis-server} for private Redis processes, even where the machine has
     * its own.
     */
    static StoreResolver stores() {
        return new StoreResolver(StoreSettings.system(), PortProbe.tcp(), Profile.TESTS);
    }
}
