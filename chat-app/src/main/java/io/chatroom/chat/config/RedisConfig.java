package io.chatroom.chat.config;

import io.chatroom.common.RedisKeys;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/** Redis key layout and the single pub/sub connection of this server. */
@Configuration(proxyBeanMethods = false)
class RedisConfig {

    @Bean
    RedisKeys redisKeys(ChatroomProperties properties) {
        return new RedisKeys(properties.redis().keyPrefix());
    }

    @Bean
    RedisMessageListenerContainer redisMessageListenerContainer(RedisConnectionFactory factory) {
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(factory);
        // Listeners only hand the payload to a per-room serial executor, so run them on the
        // Redis I/O thread: the default executor starts a thread per message and reorders them.
        container.setTaskExecutor(new SyncTaskExecutor());
        return container;
    }
}
