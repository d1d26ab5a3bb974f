package io.chatroom.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.DefaultRedisScript;

/** The chat-app's Lua scripts, read from the class path. */
public final class RedisScripts {
    private RedisScripts() {}

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
