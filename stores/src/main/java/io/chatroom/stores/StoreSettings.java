package io.chatroom.stores;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where store settings are read from, by their environment-variable names ({@code REDIS_URL},
 * {@code SPRING_DATASOURCE_URL}, {@code CHATROOM_EMBEDDED}, ...). Blank values count as unset.
 */
@FunctionalInterface
public interface StoreSettings {

    /** The value of the setting, or null if it is unset or blank. */
    String get(String name);

    /** A fixed map of environment variables (the launcher passes its environment). */
    static StoreSettings of(Map<String, String> env) {
        Map<String, String> copy = new HashMap<>(env);
        return name -> blankToNull(copy.get(name));
    }

    /**
     * This JVM's settings: a system property named like the variable ({@code -DREDIS_URL=...}) or
     * in Spring's dotted form ({@code -Dspring.datasource.url=...}, {@code
     * -Dchatroom.embedded=always}), else the environment variable.
     */
    static StoreSettings system() {
        return name -> {
            String value = blankToNull(System.getProperty(name));
            if (value == null) {
                value = blankToNull(System.getProperty(dotted(name)));
            }
            return value != null ? value : blankToNull(System.getenv(name));
        };
    }

    /** {@code SPRING_DATA_REDIS_HOST} -> {@code spring.data.redis.host}. */
    static String dotted(String name) {
        return name.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
