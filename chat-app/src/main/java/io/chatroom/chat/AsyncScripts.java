package io.chatroom.chat;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    private volatile StatefulConnection<byte[], byte[]> connection;
    private volatile RedisScriptingAsyncCommands<byte[], byte[]> commands;

    AsyncScripts(
            LettuceConnectionFactory factory,
            @Value("${spring.data.redis.timeout:2s}") Duration timeout) {
        this.factory = factory;
        this.timeoutMillis = timeout.toMillis();
        this.clientTimesOut =
                factory.getClientConfiguration()
                        .getClientOptions()
                        .map(options -> options.getTimeoutOptions().isTimeoutCommands())
                        .orElse(false);
    }

    /** Evaluates a script returning a list, by its SHA first and by its text on NOSCRIPT. */
    public CompletableFuture<List<Object>> evaluate(
            DefaultRedisScript<?> script, byte[][] keys, byte[][] args) {
        RedisScriptingAsyncCommands<byte[], byte[]> redis = commands();
        CompletableFuture<List<Object>> bySha =
                redis.<List<Object>>evalsha(script.getSha1(), ScriptOutputType.MULTI, keys, args)
                        .toCompletableFuture();
        CompletableFuture<List<Object>> result =
                bySha.exceptionallyCompose(
                        failure ->
                                isNoScript(failure)
                                        ? redis.<List<Object>>eval(
                                                        script.getScriptAsString()
                                                                .getBytes(StandardCharsets.UTF_8),
                                                        ScriptOutputType.MULTI,
                                                        keys,
                                                        args)
                                                .toCompletableFuture()
                                        : CompletableFuture.failedFuture(failure));
        return clientTimesOut ? result : result.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
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
    static boolean isNoScript(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && message.contains("NOSCRIPT")) {
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
