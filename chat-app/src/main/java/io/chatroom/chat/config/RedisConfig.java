package io.chatroom.chat.config;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.common.RedisKeys;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/** Redis key layout and the single pub/sub connection of this server. */
@Configuration(proxyBeanMethods = false)
class RedisConfig {
    private static final Duration RECONNECT_MIN_DELAY = Duration.ofMillis(50);
    private static final int RECONNECT_GROWTH = 2;

    @Bean
    RedisKeys redisKeys(ChatroomProperties properties) {
        return new RedisKeys(properties.redis().keyPrefix());
    }

    /**
     * Retries a lost Redis connection quickly, so SENDs work again soon after Redis returns; and
     * keeps Lettuce from timing every command into its own latency histograms (our meters time what
     * matters, e.g. {@code chatroom.redis.latency}): on the per-message path that cost about a
     * third of the Redis I/O thread.
     */
    @Bean
    ClientResourcesBuilderCustomizer quickReconnect(ChatroomProperties properties) {
        Duration max = properties.redis().reconnectMaxDelay();
        return builder ->
                builder.reconnectDelay(
                                Delay.exponential(
                                        RECONNECT_MIN_DELAY,
                                        max,
                                        RECONNECT_GROWTH,
                                        TimeUnit.MILLISECONDS))
                        .commandLatencyRecorder(CommandLatencyRecorder.disabled());
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
