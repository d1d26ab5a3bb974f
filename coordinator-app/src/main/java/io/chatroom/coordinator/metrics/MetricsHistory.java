package io.chatroom.coordinator.metrics;

import io.chatroom.common.MetricSamples;
import io.chatroom.common.RedisKeys;
import io.chatroom.common.ServerHeartbeat;
import io.chatroom.coordinator.metrics.MetricsSummary.Source;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The last {@code chatroom.metrics.history} of samples per app, in Redis ({@link MetricSamples}):
 * chat servers' come in with their heartbeats (stored here), archivers write their own. Any
 * coordinator over the same Redis serves the same history, and nothing is lost when one restarts.
 */
@Component
public class MetricsHistory {
    private static final RedisScript<Long> APPEND =
            RedisScript.of(MetricSamples.APPEND_SCRIPT, Long.class);

    /**
     * KEYS[1] = the source index; ARGV[1] = history millis, ARGV[2] = since (Redis millis, 0 =
     * everything), ARGV[3] = prefix of the samples keys. Returns JSON {@code [now, [[source,
     * lastSample, [sample, time, sample, time, ...]], ...]]} (cjson writes an empty list as {}).
     */
    private static final RedisScript<String> READ =
            RedisScript.of(
                    """
                    local t = redis.call('TIME')
                    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
                    local oldest = now - tonumber(ARGV[1])
                    local since = math.max(oldest, tonumber(ARGV[2]))
                    local sources = redis.call('ZRANGEBYSCORE', KEYS[1],
                      string.format('(%d', oldest), '+inf', 'WITHSCORES')
                    local out = {}
                    for i = 1, #sources, 2 do
                      local samples = redis.call('ZRANGEBYSCORE', ARGV[3] .. sources[i],
                        string.format('(%d', since), '+inf', 'WITHSCORES')
                      table.insert(out, {sources[i], sources[i + 1], samples})
                    end
                    return cjson.encode({now, out})
                    """,
                    String.class);

    private final StringRedisTemplate redis;
    private final JsonMapper json;
    private final MetricSamples samples;
    private final MetricsProperties properties;

    MetricsHistory(
            StringRedisTemplate redis,
            JsonMapper json,
            RedisKeys keys,
            MetricsProperties properties) {
        this.redis = redis;
        this.json = json;
        this.samples = new MetricSamples(keys);
        this.properties = properties;
    }

    /** Stores the sample a heartbeat carries; a heartbeat without metrics adds nothing. */
    public void record(ServerHeartbeat heartbeat) {
        if (heartbeat.metrics() == null) {
            return;
        }
        String source = MetricSamples.source(MetricSamples.CHAT_SERVER, heartbeat.id());
        redis.execute(
                APPEND,
                List.of(samples.samples(source), samples.sources()),
                json.writeValueAsString(ChatServerSample.of(heartbeat)),
                source,
                Long.toString(properties.history().toMillis()));
    }

    /**
     * Every source's samples written after {@code since} (Redis millis; 0 for the whole window).
     */
    MetricsSummary since(long since) {
        String raw =
                redis.execute(
                        READ,
                        List.of(samples.sources()),
                        Long.toString(properties.history().toMillis()),
                        Long.toString(Math.max(0, since)),
                        samples.samplesPrefix());
        JsonNode answer = json.readTree(raw);
        long now = answer.get(0).asLong();
        long staleAfter = properties.staleAfter().toMillis();
        List<Source> chatServers = new ArrayList<>();
        List<Source> archivers = new ArrayList<>();
        for (JsonNode entry : elements(answer.get(1))) {
            String source = entry.get(0).asString();
            int colon = source.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String kind = source.substring(0, colon);
            long last = Long.parseLong(entry.get(1).asString());
            Source series =
                    new Source(
                            source.substring(colon + 1),
                            now - last <= staleAfter,
                            last,
                            samplesOf(elements(entry.get(2))));
            if (kind.equals(MetricSamples.CHAT_SERVER)) {
                chatServers.add(series);
            } else if (kind.equals(MetricSamples.ARCHIVER)) {
                archivers.add(series);
            }
        }
        chatServers.sort(Comparator.comparing(Source::id));
        archivers.sort(Comparator.comparing(Source::id));
        return new MetricsSummary(
                now,
                properties.history().toMillis(),
                staleAfter,
                List.copyOf(chatServers),
                List.copyOf(archivers));
    }

    /** Pairs of (sample JSON, time) into samples with {@code time}, oldest first. */
    private List<ObjectNode> samplesOf(List<JsonNode> flat) {
        List<ObjectNode> result = new ArrayList<>(flat.size() / 2);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            JsonNode sample = json.readTree(flat.get(i).asString());
            if (sample instanceof ObjectNode object) {
                object.put("time", Long.parseLong(flat.get(i + 1).asString()));
                result.add(object);
            }
        }
        return result;
    }

    /** The elements of a JSON array; an empty Lua table comes back as {}, i.e. none. */
    private static List<JsonNode> elements(JsonNode node) {
        List<JsonNode> list = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(list::add);
        }
        return list;
    }
}
