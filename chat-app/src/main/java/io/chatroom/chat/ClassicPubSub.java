package io.chatroom.chat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.data.redis.listener.Topic;

/** Pub/sub on a single Redis: Spring's listener container (one connection) and PUBLISH. */
public final class ClassicPubSub implements RedisPubSub {
    private final RedisMessageListenerContainer container;
    private final StringRedisTemplate redis;
    private final Map<Listener, MessageListener> adapters = new ConcurrentHashMap<>();

    public ClassicPubSub(RedisMessageListenerContainer container, StringRedisTemplate redis) {
        this.container = container;
        this.redis = redis;
    }

    @Override
    public void subscribe(Listener listener, List<String> channels) {
        MessageListener adapter =
                adapters.computeIfAbsent(
                        listener,
                        l ->
                                (message, pattern) ->
                                        l.onMessage(
                                                new String(
                                                        message.getChannel(),
                                                        StandardCharsets.UTF_8),
                                                message.getBody()));
        container.addMessageListener(adapter, topics(channels));
    }

    @Override
    public void unsubscribe(Listener listener, List<String> channels) {
        // Callers take a listener off all its channels at once.
        MessageListener adapter = adapters.remove(listener);
        if (adapter != null) {
            container.removeMessageListener(adapter, topics(channels));
        }
    }

    private static List<Topic> topics(List<String> channels) {
        return channels.stream().<Topic>map(ChannelTopic::new).toList();
    }

    @Override
    public void publish(String channel, String message) {
        redis.convertAndSend(channel, message);
    }

    @Override
    public boolean sharded() {
        return false;
    }
}
