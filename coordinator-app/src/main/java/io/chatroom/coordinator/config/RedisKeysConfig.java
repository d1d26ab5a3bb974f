package io.chatroom.coordinator.config;

import io.chatroom.common.RedisKeys;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Shared infrastructure beans: the Redis key layout and the clock. */
@Configuration(proxyBeanMethods = false)
class RedisKeysConfig {

    @Bean
    RedisKeys redisKeys(ChatroomProperties properties) {
        return new RedisKeys(properties.redis().keyPrefix());
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
