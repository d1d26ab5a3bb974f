package io.chatroom.chat;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.stereotype.Component;

/**
 * Runs Lua scripts without a thread waiting for the answer, on a connection of its own made by the
 * same Lettuce client as the rest of the app (same reconnect policy). Commands on one connection
 * run in the order they were issued, so two calls issued one after the other are executed by Redis
 * in that order. A call that gets no answer within {@code spring.data.redis.timeout} fails; like a
 * timed-out blocking call, it may still take effect later (message appends are idempotent). That
 * timeout is Lettuce's own command timeout, which Spring Boot's client options turn on; a second
 * timer per call ({@code orTimeout}) is added only where they do not, because it costs an update of
 * a shared delay queue and often a thread wake-up per message.
 */
@Component
public class AsyncScripts implements DisposableBean {
    private final LettuceConnectionFactory factory;
    private final long timeoutMillis;
    private final boolean clientTimesOut;
    private final int replicas;
    private final long waitTimeoutMillis;
    private final Map<StatefulConnection<byte[], byte[]>, ReplicaWait> waits =
            new ConcurrentHashMap<>();
    private volatile StatefulConnection<byte[], byte[]> connection;
    private volatile RedisScriptingAsyncCommands<byte[], byte[]> commands;

    AsyncScripts(
            LettuceConnectionFactory factory,
            @Value("${spring.data.redis.timeout:2s}") Duration timeout,
            ChatroomProperties properties) {
        this.factory = factory;
        this.timeoutMillis = timeout.toMillis();
        this.clientTimesOut =
                factory.getClientConfiguration()
                        .getClientOptions()
                        .map(options -> options.getTimeoutOptions().isTimeoutCommands())
                        .orElse(false);
        this.replicas = properties.durability().replicas();
        this.waitTimeoutMillis = properties.durability().waitTimeout().toMillis();
    }

    /** Evaluates a script returning a list, by its SHA first and by its text on NOSCRIPT. */
    public CompletableFuture<List<Object>> evaluate(
            DefaultRedisScript<?> script, byte[][] keys, byte[][] args) {
        return evaluate(script, keys, args, true);
    }

    /**
     * Evaluates a script by its SHA only: fails with NOSCRIPT ({@link #isNoScript}) when Redis does
     * not hold it, so a caller whose script is its own learns that this Redis process never ran it
     * (it restarted, or a replica took over) before the script runs there.
     */
    public CompletableFuture<List<Object>> evaluateLoaded(
            DefaultRedisScript<?> script, byte[][] keys, byte[][] args) {
        return evaluate(script, keys, args, false);
    }

    private CompletableFuture<List<Object>> evaluate(
            DefaultRedisScript<?> script, byte[][] keys, byte[][] args, boolean load) {
        RedisScriptingAsyncCommands<byte[], byte[]> redis;
        try {
            redis = commands();
        } catch (RedisConnectionException e) {
            // The first call while Redis is unreachable: a failure like any other (callers answer
            // "unavailable"), not an exception that escapes them.
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<List<Object>> result = evaluateOn(redis, script, keys, args, load);
        return clientTimesOut ? result : result.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Like {@link #evaluate}, then waits until {@code chatroom.durability.replicas} replicas hold
     * the script's writes (one coalesced {@code WAIT} per connection, see {@link ReplicaWait});
     * fails with {@link ReplicaWait.ReplicasMissingException} when too few had them in time. WAIT
     * counts the writes of the connection it runs on, so on a cluster the script runs on the
     * connection of the master that serves its first key's slot (a {@code MOVED} answer fails the
     * call and refreshes the topology; the caller's retry goes to the new master).
     */
    public CompletableFuture<List<Object>> evaluateReplicated(
            DefaultRedisScript<?> script, byte[][] keys, byte[][] args, boolean load) {
        try {
            commands();
        } catch (RedisConnectionException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<StatefulRedisConnection<byte[], byte[]>> node;
        if (connection instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster) {
            RedisClusterNode master =
                    cluster.getPartitions().getMasterBySlot(SlotHash.getSlot(keys[0]));
            node =
                    master == null
                            ? CompletableFuture.failedFuture(
                                    new IllegalStateException("no master serves the slot"))
                            : cluster.getConnectionAsync(
                                    master.getUri().getHost(), master.getUri().getPort());
        } else {
            node =
                    CompletableFuture.completedFuture(
                            (StatefulRedisConnection<byte[], byte[]>) connection);
        }
        return node.thenCompose(
                        c -> {
                            RedisAsyncCommands<byte[], byte[]> redis = c.async();
                            return evaluateOn(redis, script, keys, args, load)
                                    .thenCompose(
                                            result ->
                                                    waits.computeIfAbsent(
                                                                    c,
                                                                    k ->
                                                                            new ReplicaWait(
                                                                                    redis,
                                                                                    replicas,
                                                                                    waitTimeoutMillis))
                                                            .afterWrite()
                                                            .thenApply(v -> result));
                        })
                .whenComplete(
                        (result, failure) -> {
                            if (failure != null && isMoved(failure)) {
                                refreshTopology();
                            }
                        })
                .orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** Publishes without waiting: SPUBLISH (routed to the channel's master) on a cluster. */
    public void publish(byte[] channel, byte[] message) {
        commands();
        if (connection instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster) {
            cluster.async().spublish(channel, message);
        } else {
            ((StatefulRedisConnection<byte[], byte[]>) connection)
                    .async()
                    .publish(channel, message);
        }
    }

    /** Whether Redis is a cluster (several masters) rather than one server. */
    public boolean cluster() {
        return factory.getNativeClient() instanceof RedisClusterClient;
    }

    /** Replicas a message must reach before it is acked ({@code chatroom.durability.replicas}). */
    public int replicas() {
        return replicas;
    }

    private static CompletableFuture<List<Object>> evaluateOn(
            RedisScriptingAsyncCommands<byte[], byte[]> redis,
            DefaultRedisScript<?> script,
            byte[][] keys,
            byte[][] args,
            boolean load) {
        CompletableFuture<List<Object>> bySha =
                redis.<List<Object>>evalsha(script.getSha1(), ScriptOutputType.MULTI, keys, args)
                        .toCompletableFuture();
        return bySha.exceptionallyCompose(
                failure ->
                        load && isNoScript(failure)
                                ? redis.<List<Object>>eval(
                                                script.getScriptAsString()
                                                        .getBytes(StandardCharsets.UTF_8),
                                                ScriptOutputType.MULTI,
                                                keys,
                                                args)
                                        .toCompletableFuture()
                                : CompletableFuture.failedFuture(failure));
    }

    private void refreshTopology() {
        if (factory.getNativeClient() instanceof RedisClusterClient cluster) {
            cluster.refreshPartitionsAsync();
        }
    }

    private static boolean isMoved(Throwable e) {
        return anyMessage(e, m -> m.startsWith("MOVED") || m.contains(" MOVED "));
    }

    private RedisScriptingAsyncCommands<byte[], byte[]> commands() {
        RedisScriptingAsyncCommands<byte[], byte[]> current = commands;
        if (current == null) {
            synchronized (this) {
                if (commands == null) {
                    connect();
                }
                current = commands;
            }
        }
        return current;
    }

    private void connect() {
        AbstractRedisClient client = factory.getNativeClient();
        if (client instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<byte[], byte[]> c =
                    cluster.connect(ByteArrayCodec.INSTANCE);
            connection = c;
            commands = c.async();
        } else if (client instanceof RedisClient single) {
            StatefulRedisConnection<byte[], byte[]> c = single.connect(ByteArrayCodec.INSTANCE);
            connection = c;
            commands = c.async();
        } else {
            throw new IllegalStateException("no Lettuce client to run scripts with");
        }
    }

    /** Redis does not know the script yet (first call, or its script cache was flushed). */
    public static boolean isNoScript(Throwable e) {
        return anyMessage(e, m -> m.contains("NOSCRIPT"));
    }

    /**
     * Redis Cluster answered that the keys' slot is being moved: {@code TRYAGAIN} (a multi-key call
     * whose keys are split over two nodes for the moment), or {@code ASK}/{@code MOVED} on a
     * connection to one node. The call ran nowhere; it may be tried again shortly.
     */
    public static boolean isSlotMoving(Throwable e) {
        return anyMessage(
                e, m -> m.contains("TRYAGAIN") || m.contains("ASK ") || m.contains("MOVED "));
    }

    /** Whether the failure or one of its causes has a message that matches. */
    private static boolean anyMessage(Throwable e, Predicate<String> matches) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && matches.test(message)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void destroy() {
        StatefulConnection<byte[], byte[]> current = connection;
        if (current != null) {
            current.close();
        }
    }
}
