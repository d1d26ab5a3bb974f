package io.chatroom.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.RedisScriptingCommands;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;

/** The chat-app's Lua scripts, read from the class path. */
public final class RedisScripts {
    private RedisScripts() {}

    /**
     * Runs a script by its SHA (loading it on {@code NOSCRIPT}) on the template's connection as it
     * is: RedisTemplate's script executor wraps the connection in a reflective proxy on every call,
     * which showed up in profiles of the per-message path.
     */
    @SuppressWarnings("unchecked")
    public static <T> T run(
            StringRedisTemplate redis,
            DefaultRedisScript<?> script,
            ReturnType type,
            List<String> keys,
            String... args) {
        byte[][] keysAndArgs = new byte[keys.size() + args.length][];
        int i = 0;
        for (String key : keys) {
            keysAndArgs[i++] = key.getBytes(StandardCharsets.UTF_8);
        }
        for (String arg : args) {
            keysAndArgs[i++] = arg.getBytes(StandardCharsets.UTF_8);
        }
        int keyCount = keys.size();
        return redis.execute(
                (RedisCallback<T>)
                        connection -> {
                            RedisScriptingCommands scripting = connection.scriptingCommands();
                            try {
                                return scripting.evalSha(
                                        script.getSha1(), type, keyCount, keysAndArgs);
                            } catch (RuntimeException e) {
                                if (!AsyncScripts.isNoScript(e)) {
                                    throw e;
                                }
                                byte[] text =
                                        script.getScriptAsString().getBytes(StandardCharsets.UTF_8);
                                return scripting.eval(text, type, keyCount, keysAndArgs);
                            }
                        },
                true);
    }

    /**
     * Loads a script's text once: a script built from a resource location re-reads the resource's
     * modification time (inside the jar) on every call to compute its SHA, which cost more CPU than
     * the rest of a SEND.
     */
    public static <T> DefaultRedisScript<T> load(String path, Class<T> resultType) {
        try {
            return new DefaultRedisScript<>(
                    new ClassPathResource(path).getContentAsString(StandardCharsets.UTF_8),
                    resultType);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
