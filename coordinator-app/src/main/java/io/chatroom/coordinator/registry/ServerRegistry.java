package io.chatroom.coordinator.registry;

import io.chatroom.common.RedisKeys;
import io.chatroom.common.ServerHeartbeat;
import io.chatroom.coordinator.config.ChatroomProperties;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The live chat servers, kept only in Redis so that every coordinator answers the same: {@link
 * RedisKeys#serverRegistry()} maps id to the last heartbeat (plus {@code lastHeartbeat} in epoch
 * millis), {@link RedisKeys#serverExpiry()} maps id to the time it stops being live. Times come
 * from Redis's clock, so coordinators with skewed clocks still agree; expired entries are never
 * returned and are pruned when read. Assignment also counts the clients handed to a server since
 * its last heartbeat, so a burst of logins spreads before the next heartbeat reports them.
 */
@Component
public class ServerRegistry {
    /** Shared prologue: Redis time in millis, then prune everything expired. */
    private static final String PRUNE =
            """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', now))
            for _, id in ipairs(expired) do
              redis.call('HDEL', KEYS[1], id)
              redis.call('HDEL', KEYS[3], id)
              redis.call('ZREM', KEYS[2], id)
            end
            local live = redis.call('ZRANGEBYSCORE', KEYS[2], string.format('(%d', now), '+inf')
            """;

    private static final RedisScript<Long> HEARTBEAT =
            RedisScript.of(
                    """
                    local t = redis.call('TIME')
                    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
                    local entry = cjson.decode(ARGV[2])
                    entry['lastHeartbeat'] = now
                    redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
                    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
                    redis.call('HDEL', KEYS[3], ARGV[1])
                    return now
                    """,
                    Long.class);

    private static final RedisScript<Long> DEREGISTER =
            RedisScript.of(
                    """
                    redis.call('HDEL', KEYS[3], ARGV[1])
                    redis.call('HDEL', KEYS[1], ARGV[1])
                    return redis.call('ZREM', KEYS[2], ARGV[1])
                    """,
                    Long.class);

    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> LIVE =
            RedisScript.of(
                    PRUNE
                            + """
                            local result = {}
                            for _, id in ipairs(live) do
                              local e = redis.call('HGET', KEYS[1], id)
                              if e then table.insert(result, e) end
                            end
                            return result
                            """,
                    List.class);

    /**
     * Least effective connections (reported + handed out since the last heartbeat) among live UP
     * servers other than ARGV[1]; ties go to the smaller id. Counts the pick as handed out.
     */
    private static final RedisScript<String> ASSIGN =
            RedisScript.of(
                    PRUNE
                            + """
                            local best, bestLoad, bestJson
                            for _, id in ipairs(live) do
                              local json = redis.call('HGET', KEYS[1], id)
                              if json and id ~= ARGV[1] then
                                local e = cjson.decode(json)
                                if type(e.status) == 'string' and string.upper(e.status) == 'UP' then
                                  local load = (tonumber(e.connections) or 0)
                                    + (tonumber(redis.call('HGET', KEYS[3], id)) or 0)
                                  if best == nil or load < bestLoad or (load == bestLoad and id < best) then
                                    best, bestLoad, bestJson = id, load, json
                                  end
                                end
                              end
                            end
                            if best == nil then return false end
                            redis.call('HINCRBY', KEYS[3], best, 1)
                            return bestJson
                            """,
                    String.class);

    private final StringRedisTemplate redis;
    private final JsonMapper json;
    private final List<String> registryKeys;
    private final long ttlMillis;

    ServerRegistry(
            StringRedisTemplate redis,
            JsonMapper json,
            RedisKeys keys,
            ChatroomProperties properties) {
        this.redis = redis;
        this.json = json;
        this.registryKeys =
                List.of(keys.serverRegistry(), keys.serverExpiry(), keys.serverPending());
        this.ttlMillis = properties.registry().ttl().toMillis();
    }

    /** A live chat server as the registry lists it. */
    public record LiveServer(
            String id,
            String httpUrl,
            String wsUrl,
            String status,
            int connections,
            Instant lastHeartbeat) {}

    /** What the registry stores per server: the heartbeat plus Redis's time of it. */
    private record StoredServer(
            String id,
            String httpUrl,
            String wsUrl,
            String status,
            int connections,
            long lastHeartbeat) {
        LiveServer toLive() {
            return new LiveServer(
                    id, httpUrl, wsUrl, status, connections, Instant.ofEpochMilli(lastHeartbeat));
        }
    }

    void heartbeat(ServerHeartbeat heartbeat) {
        redis.execute(
                HEARTBEAT,
                registryKeys,
                heartbeat.id(),
                json.writeValueAsString(heartbeat),
                Long.toString(ttlMillis));
    }

    void deregister(String id) {
        redis.execute(DEREGISTER, registryKeys, id);
    }

    /** Live servers (any status), ordered by id. */
    public List<LiveServer> live() {
        List<?> entries = redis.execute(LIVE, registryKeys);
        if (entries == null) {
            return List.of();
        }
        return entries.stream()
                .map(e -> json.readValue((String) e, StoredServer.class).toLive())
                .sorted((a, b) -> a.id().compareTo(b.id()))
                .toList();
    }

    /**
     * The live UP server with the fewest connections, other than {@code excludeId} (may be null).
     */
    public Optional<LiveServer> assign(String excludeId) {
        String picked = redis.execute(ASSIGN, registryKeys, excludeId == null ? "" : excludeId);
        if (picked == null) {
            return Optional.empty();
        }
        return Optional.of(json.readValue(picked, StoredServer.class).toLive());
    }
}
