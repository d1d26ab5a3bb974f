package io.chatroom.chat;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.scheduling.TaskScheduler;
import reactor.core.Disposable;

/**
 * Sharded pub/sub on a Redis Cluster: SSUBSCRIBE and SPUBLISH reach only the master that serves the
 * channel's slot, so pub/sub traffic spreads over the masters like the keys do.
 *
 * <p>Lettuce (6.8) sends an SSUBSCRIBE to the slot's master over a connection of that node, but it
 * does not follow the channel when the slot moves: after a failover the promoted replica knows
 * nothing of the subscription, and after a slot migration the old master drops it with a
 * server-sent {@code sunsubscribe}, which Lettuce only passes on. So this class remembers every
 * wanted channel and the master it subscribed at, and subscribes again wherever the topology
 * (refreshed by Lettuce periodically and on redirects) now places the slot: at once on a topology
 * change or an unasked {@code sunsubscribe}, and every {@code reconcileInterval} as a safety net.
 * Messages lost in between are repaired by the readers (rooms re-sync from their window).
 */
public final class ShardedPubSub implements RedisPubSub, DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(ShardedPubSub.class);
    private static final RedisCodec<String, byte[]> CODEC =
            RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final RedisClusterClient client;
    private final Duration timeout;
    private final StatefulRedisClusterPubSubConnection<String, byte[]> subscriptions;
    private final StatefulRedisClusterConnection<String, byte[]> publisher;
    private final Map<String, Set<Listener>> listeners = new ConcurrentHashMap<>();

    /** Channel -> the master ({@code host:port}) it was last subscribed at. */
    private final Map<String, String> subscribedAt = new ConcurrentHashMap<>();

    private final Disposable topologyEvents;

    public ShardedPubSub(
            RedisClusterClient client,
            Duration timeout,
            TaskScheduler scheduler,
            Duration reconcileInterval) {
        this.client = client;
        this.timeout = timeout;
        this.subscriptions = client.connectPubSub(CODEC);
        this.publisher = client.connect(CODEC);
        subscriptions.addListener(
                new RedisClusterPubSubAdapter<>() {
                    @Override
                    public void smessage(RedisClusterNode node, String channel, byte[] message) {
                        Set<Listener> targets = listeners.get(channel);
                        if (targets != null) {
                            for (Listener listener : targets) {
                                listener.onMessage(channel, message);
                            }
                        }
                    }

                    @Override
                    public void sunsubscribed(RedisClusterNode node, String channel, long count) {
                        if (listeners.containsKey(channel)) {
                            // Not asked for: the slot moved away from that node.
                            subscribedAt.remove(channel);
                            client.refreshPartitionsAsync()
                                    .thenRun(
                                            () ->
                                                    scheduler.schedule(
                                                            ShardedPubSub.this::reconcile,
                                                            Instant.now()));
                        }
                    }
                });
        this.topologyEvents =
                client.getResources()
                        .eventBus()
                        .get()
                        .filter(ClusterTopologyChangedEvent.class::isInstance)
                        .subscribe(e -> scheduler.schedule(this::reconcile, Instant.now()));
        scheduler.scheduleWithFixedDelay(this::reconcile, reconcileInterval);
    }

    @Override
    public void subscribe(Listener listener, List<String> channels) {
        List<RedisFuture<Void>> issued = new ArrayList<>();
        for (String channel : channels) {
            // Issued inside compute: subscribe and unsubscribe of one channel reach Redis in order.
            listeners.compute(
                    channel,
                    (c, set) -> {
                        Set<Listener> targets = set == null ? new CopyOnWriteArraySet<>() : set;
                        if (targets.isEmpty()) {
                            issued.add(ssubscribe(c));
                        }
                        targets.add(listener);
                        return targets;
                    });
        }
        for (RedisFuture<Void> future : issued) {
            // On failure the channels stay wanted (the next reconcile retries) until unsubscribed.
            await(future);
        }
    }

    private RedisFuture<Void> ssubscribe(String channel) {
        String master = masterOf(channel);
        if (master != null) {
            subscribedAt.put(channel, master);
        }
        return subscriptions.async().ssubscribe(channel);
    }

    private void await(RedisFuture<Void> future) {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisConnectionFailureException("interrupted while subscribing", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new RedisConnectionFailureException("subscribe failed: " + e, e);
        }
    }

    @Override
    public void unsubscribe(Listener listener, List<String> channels) {
        for (String channel : channels) {
            listeners.computeIfPresent(
                    channel,
                    (c, targets) -> {
                        targets.remove(listener);
                        if (!targets.isEmpty()) {
                            return targets;
                        }
                        subscribedAt.remove(c);
                        subscriptions
                                .async()
                                .sunsubscribe(c)
                                .exceptionally(
                                        e -> {
                                            log.debug(
                                                    "sunsubscribe {} failed: {}", c, e.toString());
                                            return null;
                                        });
                        return null;
                    });
        }
    }

    @Override
    public void publish(String channel, String message) {
        publisher.async().spublish(channel, message.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean sharded() {
        return true;
    }

    /** Subscribes again every wanted channel whose slot is now served by another master. */
    void reconcile() {
        for (String channel : listeners.keySet()) {
            String master = masterOf(channel);
            if (master == null || master.equals(subscribedAt.get(channel))) {
                continue;
            }
            listeners.computeIfPresent(
                    channel,
                    (c, targets) -> {
                        log.debug("channel {} moved to {}: subscribing there", c, master);
                        ssubscribe(c)
                                .exceptionally(
                                        e -> {
                                            // Try again on the next round.
                                            subscribedAt.remove(c);
                                            return null;
                                        });
                        return targets;
                    });
        }
    }

    private String masterOf(String channel) {
        RedisClusterNode master =
                subscriptions.getPartitions().getMasterBySlot(SlotHash.getSlot(channel));
        if (master == null || master.getUri() == null) {
            return null;
        }
        return master.getUri().getHost() + ":" + master.getUri().getPort();
    }

    /** Channels with a listener here (for tests and metrics). */
    public int channels() {
        return listeners.size();
    }

    @Override
    public void destroy() {
        topologyEvents.dispose();
        subscriptions.close();
        publisher.close();
    }
}
