package io.chatroom.chat.config;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.ClassicPubSub;
import io.chatroom.chat.RedisPubSub;
import io.chatroom.chat.ShardedPubSub;
import io.chatroom.common.RedisKeys;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.util.StringUtils;

/** Redis key layout, reconnects, and pub/sub: classic on a single Redis, sharded on a cluster. */
@Configuration(proxyBeanMethods = false)
class RedisConfig {
    private static final Duration RECONNECT_MIN_DELAY = Duration.ofMillis(50);
    private static final int RECONNECT_GROWTH = 2;

    @Bean
    RedisKeys redisKeys(ChatroomProperties properties) {
        return new RedisKeys(properties.redis().keyPrefix());
    }

    /**
     * Retries a lost Redis connection quickly, so SENDs work again soon after Redis returns; keeps
     * Lettuce from timing every command into its own latency histograms (our meters time what
     * matters, e.g. {@code chatroom.redis.latency}): on the per-message path that cost about a
     * third of the Redis I/O thread; and writes the commands issued while Redis replies are read (a
     * session's next append starts when its previous one is answered) in one system call per read
     * instead of one each.
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
                        .commandLatencyRecorder(CommandLatencyRecorder.disabled())
                        .nettyCustomizer(new FlushAfterRead());
    }

    /**
     * Holds back the flushes asked for while a channel's read is in progress and flushes once when
     * it completes; other flushes go out at once, as before, so no command waits on an idle
     * connection.
     */
    static final class FlushAfterRead implements NettyCustomizer {
        /** Flush at least this often within one long read. */
        private static final int MAX_HELD_FLUSHES = 256;

        @Override
        public void afterChannelInitialized(Channel channel) {
            channel.pipeline().addFirst(new FlushConsolidationHandler(MAX_HELD_FLUSHES, false));
        }
    }

    /** A single Redis (Spring Boot's single-node settings): classic pub/sub, as before. */
    @Bean
    @Conditional(SingleRedis.class)
    RedisMessageListenerContainer redisMessageListenerContainer(RedisConnectionFactory factory) {
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(factory);
        // Listeners only hand the payload to a per-room serial executor, so run them on the
        // Redis I/O thread: the default executor starts a thread per message and reorders them.
        container.setTaskExecutor(new SyncTaskExecutor());
        return container;
    }

    @Bean
    @Conditional(SingleRedis.class)
    RedisPubSub classicPubSub(RedisMessageListenerContainer container, StringRedisTemplate redis) {
        return new ClassicPubSub(container, redis);
    }

    /**
     * A Redis Cluster ({@code spring.data.redis.cluster.nodes}): sharded pub/sub, because Spring's
     * listener container only speaks classic pub/sub (Spring Data Redis issue #3019), which a
     * cluster broadcasts to every node.
     */
    @Bean
    @Conditional(ClusterRedis.class)
    RedisPubSub shardedPubSub(
            LettuceConnectionFactory factory,
            @Value("${spring.data.redis.timeout:2s}") Duration timeout,
            @Qualifier("chatTaskScheduler") TaskScheduler scheduler,
            ChatroomProperties properties) {
        return new ShardedPubSub(
                (RedisClusterClient) factory.getRequiredNativeClient(),
                timeout,
                scheduler,
                properties.relay().syncInterval());
    }

    /** Spring Boot connects to a cluster when cluster nodes are configured, else to one Redis. */
    static boolean clusterConfigured(Environment environment) {
        return StringUtils.hasText(environment.getProperty("spring.data.redis.cluster.nodes"))
                || StringUtils.hasText(
                        environment.getProperty("spring.data.redis.cluster.nodes[0]"));
    }

    static final class ClusterRedis implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return clusterConfigured(context.getEnvironment());
        }
    }

    static final class SingleRedis implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !clusterConfigured(context.getEnvironment());
        }
    }
}
