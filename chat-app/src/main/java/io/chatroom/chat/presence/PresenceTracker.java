package io.chatroom.chat.presence;

import io.chatroom.chat.AsyncScripts;
import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.RedisPubSub;
import io.chatroom.chat.RedisScripts;
import io.chatroom.chat.ServerIdentity;
import io.chatroom.common.RedisKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;

/**
 * Who is in which room, across the cluster. Each server writes its own members to the room's
 * presence ZSET as {@code user@serverId} scored by an expiry time and refreshes them periodically,
 * so the members of a crashed server vanish once their entries expire. Expiry times are taken from
 * Redis's clock, in the scripts, never from a server's: a server whose clock runs ahead cannot
 * expire another server's live entries. Every change is announced on the room's presence channel.
 */
@Component
public class PresenceTracker {
    private static final Logger log = LoggerFactory.getLogger(PresenceTracker.class);
    private static final String CHANGED = "changed";

    private final StringRedisTemplate redis;
    private final AsyncScripts scripts;
    private final long timeoutMillis;
    private final RedisPubSub pubSub;
    private final DefaultRedisScript<Long> touch;
    private final DefaultRedisScript<List> read;
    private final RedisKeys keys;
    private final String serverId;
    private final String ttl;

    /** room -> user -> number of this server's subscriptions of that user to the room. */
    private final Map<String, Map<String, Integer>> local = new ConcurrentHashMap<>();

    PresenceTracker(
            StringRedisTemplate redis,
            AsyncScripts scripts,
            @Value("${spring.data.redis.timeout:2s}") Duration timeout,
            RedisPubSub pubSub,
            RedisKeys keys,
            ServerIdentity identity,
            ChatroomProperties properties,
            @Qualifier("chatTaskScheduler") TaskScheduler scheduler) {
        this.redis = redis;
        this.scripts = scripts;
        this.timeoutMillis = timeout.toMillis();
        this.pubSub = pubSub;
        this.touch = RedisScripts.load("scripts/presence-touch.lua", Long.class);
        this.read = RedisScripts.load("scripts/presence-read.lua", List.class);
        this.keys = keys;
        this.serverId = identity.id();
        this.ttl = Long.toString(properties.presence().ttl().toMillis());
        scheduler.scheduleWithFixedDelay(this::refresh, properties.presence().refreshInterval());
    }

    /** A subscription of {@code user} to the room's messages started on this server. */
    public void join(String room, String user) {
        boolean first = adjust(room, user, 1) == 1;
        if (first) {
            write(room, user, true);
        }
    }

    /** A subscription of {@code user} to the room's messages ended on this server. */
    public void leave(String room, String user) {
        boolean last = adjust(room, user, -1) == 0;
        if (last) {
            write(room, user, false);
        }
    }

    private synchronized int adjust(String room, String user, int delta) {
        Map<String, Integer> users = local.computeIfAbsent(room, r -> new ConcurrentHashMap<>());
        int count = users.getOrDefault(user, 0) + delta;
        if (count <= 0) {
            users.remove(user);
            if (users.isEmpty()) {
                local.remove(room);
            }
            return 0;
        }
        users.put(user, count);
        return count;
    }

    private void write(String room, String user, boolean present) {
        String key = keys.roomPresence(room);
        String member = user + "@" + serverId;
        try {
            if (present) {
                redis.execute(touch, List.of(key), ttl, member);
            } else {
                redis.opsForZSet().remove(key, member);
            }
            pubSub.publish(keys.presenceChannel(room), CHANGED);
        } catch (DataAccessException e) {
            // The periodic refresh writes it again once Redis is back.
            log.debug("presence update of room {} failed: {}", room, e.toString());
        }
    }

    /** The users connected to the room on any live server, sorted. */
    public List<String> users(String room) {
        List<?> members = redis.execute(read, List.of(keys.roomPresence(room)));
        Set<String> users = new TreeSet<>();
        if (members != null) {
            for (Object entry : members) {
                String member = (String) entry;
                int at = member.lastIndexOf('@');
                users.add(at < 0 ? member : member.substring(0, at));
            }
        }
        return new ArrayList<>(users);
    }

    /**
     * Marks this server's members of every room present again. The rooms' scripts go out together
     * and are awaited once, so a refresh costs one round trip, not one blocking call per room.
     */
    void refresh() {
        Map<String, List<String>> refreshed = new LinkedHashMap<>();
        List<CompletableFuture<?>> touches = new ArrayList<>();
        byte[] ttlArg = ttl.getBytes(StandardCharsets.UTF_8);
        for (Map.Entry<String, Map<String, Integer>> room : local.entrySet()) {
            List<String> users = new ArrayList<>(room.getValue().keySet());
            byte[][] args = new byte[users.size() + 1][];
            args[0] = ttlArg;
            for (int i = 0; i < users.size(); i++) {
                args[i + 1] = (users.get(i) + "@" + serverId).getBytes(StandardCharsets.UTF_8);
            }
            byte[][] key = {keys.roomPresence(room.getKey()).getBytes(StandardCharsets.UTF_8)};
            touches.add(scripts.evaluate(touch, key, args).exceptionally(this::failed));
            refreshed.put(room.getKey(), users);
        }
        if (touches.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(touches.toArray(CompletableFuture[]::new))
                    .get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException | TimeoutException e) {
            log.debug("presence refresh incomplete: {}", e.toString());
        }
        // A user who left while this refresh was writing must not linger until expiry.
        refreshed.forEach(
                (room, users) -> {
                    for (String user : users) {
                        if (!isLocal(room, user)) {
                            write(room, user, false);
                        }
                    }
                });
    }

    private List<Object> failed(Throwable failure) {
        // The next refresh writes it again; entries outlive a few missed refreshes (ttl).
        log.debug("presence refresh of a room failed: {}", failure.toString());
        return null;
    }

    private synchronized boolean isLocal(String room, String user) {
        Map<String, Integer> users = local.get(room);
        return users != null && users.containsKey(user);
    }
}
