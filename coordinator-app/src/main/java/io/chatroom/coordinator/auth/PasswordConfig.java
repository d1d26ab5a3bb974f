package io.chatroom.coordinator.auth;

import io.chatroom.coordinator.config.ChatroomProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;

/** Password hashing: Argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane). */
@Configuration(proxyBeanMethods = false)
class PasswordConfig {
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final int PARALLELISM = 1;
    private static final int MEMORY_KIB = 19_456;
    private static final int ITERATIONS = 2;

    @Bean
    PasswordEncoder passwordEncoder(ChatroomProperties properties) {
        return new BoundedPasswordEncoder(
                new Argon2PasswordEncoder(
                        SALT_BYTES, HASH_BYTES, PARALLELISM, MEMORY_KIB, ITERATIONS),
                properties.auth().hashing());
    }
}
