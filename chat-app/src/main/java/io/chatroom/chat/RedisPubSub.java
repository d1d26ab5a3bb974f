package io.chatroom.chat;

import java.util.List;

/**
 * Redis pub/sub between chat servers, whatever the Redis: classic PUBLISH/SUBSCRIBE on a single
 * Redis ({@link ClassicPubSub}), sharded SPUBLISH/SSUBSCRIBE on a Redis Cluster ({@link
 * ShardedPubSub}), where a channel lives on the master of its slot and a classic publish would be
 * broadcast to every node. Delivery is at most once either way; callers repair what they miss.
 */
public interface RedisPubSub {

    /** Receives messages; called on a Redis I/O thread, so it must only hand them over. */
    @FunctionalInterface
    interface Listener {
        void onMessage(String channel, byte[] body);
    }

    /**
     * Starts delivering the channels' messages to the listener; returns once Redis confirmed the
     * subscriptions, so a message published afterwards is delivered.
     *
     * @throws org.springframework.dao.DataAccessException when Redis cannot be reached in time
     */
    void subscribe(Listener listener, List<String> channels);

    /** Stops delivering the channels' messages to the listener; harmless if it was not there. */
    void unsubscribe(Listener listener, List<String> channels);

    /** Publishes a message (a lost publish is repaired by readers). */
    void publish(String channel, String message);

    /** Whether the Lua append script publishes with SPUBLISH (Redis Cluster) or PUBLISH. */
    boolean sharded();
}
