package io.chatroom.chat.cluster;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.ServerIdentity;
import io.chatroom.chat.send.SendGate;
import io.chatroom.chat.session.SessionRegistry;
import io.chatroom.common.ChatRules;
import io.chatroom.common.ServerHeartbeat;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import org.springframework.web.socket.CloseStatus;
import tools.jackson.databind.JsonNode;

/**
 * Keeps this server listed at every coordinator: a heartbeat with the current connection count and
 * its status (DOWN while it cannot reach Redis) every interval while running. On a graceful stop
 * (before the web server stops) it deregisters, lets in-flight sends finish and closes every
 * session with 1001 "going away" so clients fail over at once.
 */
@Component
class ClusterMembership implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ClusterMembership.class);
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(2);
    private static final String UP = "UP";
    private static final String DOWN = "DOWN";

    private final ChatroomProperties properties;
    private final ServerIdentity identity;
    private final SessionRegistry sessions;
    private final SendGate sends;
    private final TaskScheduler scheduler;
    private final Environment environment;
    private final RestClient http;
    private final StringRedisTemplate redis;
    private final HeartbeatMetrics metrics;
    private final StoreCutOffWatch cutOff;
    private volatile ScheduledFuture<?> beats;
    private volatile boolean running;
    private volatile String httpUrl;
    private volatile String wsUrl;

    ClusterMembership(
            ChatroomProperties properties,
            ServerIdentity identity,
            SessionRegistry sessions,
            SendGate sends,
            @Qualifier("chatTaskScheduler") TaskScheduler scheduler,
            Environment environment,
            StringRedisTemplate redis,
            HeartbeatMetrics metrics,
            StoreCutOffWatch cutOff) {
        this.properties = properties;
        this.identity = identity;
        this.sessions = sessions;
        this.sends = sends;
        this.scheduler = scheduler;
        this.environment = environment;
        this.redis = redis;
        this.metrics = metrics;
        this.cutOff = cutOff;
        SimpleClientHttpRequestFactory requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout(HTTP_TIMEOUT);
        requests.setReadTimeout(HTTP_TIMEOUT);
        this.http = RestClient.builder().requestFactory(requests).build();
    }

    @Override
    public void start() {
        // Runs after the web server started (higher phase), so the real port is known.
        String configured = properties.publicUrl();
        httpUrl =
                configured == null || configured.isBlank()
                        ? "http://localhost:" + environment.getProperty("local.server.port")
                        : stripSlash(configured);
        wsUrl = httpUrl.replaceFirst("^http", "ws") + "/ws";
        running = true;
        beats =
                scheduler.scheduleAtFixedRate(
                        this::beat, properties.coordinator().heartbeatInterval());
        log.info("chat server {} at {} ({})", identity.id(), httpUrl, wsUrl);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    void beat() {
        Duration ping = pingRedis();
        ServerHeartbeat heartbeat =
                new ServerHeartbeat(
                        identity.id(),
                        httpUrl,
                        wsUrl,
                        ping == null ? DOWN : UP,
                        sessions.count(),
                        metrics.sample(ping));
        for (String coordinator : properties.coordinator().urls()) {
            try {
                http.post()
                        .uri(stripSlash(coordinator) + "/api/servers/heartbeat")
                        .header(ChatRules.CLUSTER_KEY_HEADER, properties.clusterKey())
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(heartbeat)
                        .retrieve()
                        .toBodilessEntity();
            } catch (RestClientException e) {
                log.debug("heartbeat to {} failed: {}", coordinator, e.toString());
            }
        }
        // After the heartbeat, so the coordinators already hear DOWN when clients fail over.
        cutOff.observed(ping != null, this::anotherServerUp);
    }

    /**
     * The id of another chat server that the first coordinator to answer lists as {@code UP}, or
     * null (none, or no coordinator answered).
     */
    private String anotherServerUp() {
        for (String coordinator : properties.coordinator().urls()) {
            JsonNode servers;
            try {
                servers =
                        http.get()
                                .uri(stripSlash(coordinator) + "/api/servers")
                                .retrieve()
                                .body(JsonNode.class);
            } catch (RestClientException e) {
                log.debug("server list from {} failed: {}", coordinator, e.toString());
                continue;
            }
            if (servers == null || !servers.isArray()) {
                continue;
            }
            for (JsonNode server : servers) {
                String id = server.path("id").asString("");
                if (!id.isEmpty()
                        && !id.equals(identity.id())
                        && UP.equals(server.path("status").asString(""))) {
                    return id;
                }
            }
            return null;
        }
        return null;
    }

    /**
     * DOWN while this server cannot reach Redis, so coordinators stop assigning clients to a server
     * that can only answer {@code unavailable}; its clients fail over. Returns the PING's round
     * trip (the dashboard's Redis chart), or null when Redis did not answer.
     */
    private Duration pingRedis() {
        long start = System.nanoTime();
        try {
            String pong = redis.execute((RedisCallback<String>) connection -> connection.ping());
            if (!"PONG".equalsIgnoreCase(pong)) {
                return null;
            }
            Duration roundTrip = Duration.ofNanos(System.nanoTime() - start);
            metrics.pinged(roundTrip);
            return roundTrip;
        } catch (DataAccessException e) {
            log.debug("Redis unreachable, heartbeat says DOWN: {}", e.toString());
            return null;
        }
    }

    @Override
    public void stop() {
        running = false;
        ScheduledFuture<?> current = beats;
        if (current != null) {
            current.cancel(false);
        }
        for (String coordinator : properties.coordinator().urls()) {
            try {
                http.delete()
                        .uri(stripSlash(coordinator) + "/api/servers/" + identity.id())
                        .header(ChatRules.CLUSTER_KEY_HEADER, properties.clusterKey())
                        .retrieve()
                        .toBodilessEntity();
            } catch (RestClientException e) {
                log.warn("deregistering from {} failed: {}", coordinator, e.toString());
            }
        }
        try {
            if (!sends.closeAndDrain(properties.shutdown().drainTimeout().toMillis())) {
                log.warn("SENDs still running after the drain timeout; closing sessions anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sessions.closeAll(CloseStatus.GOING_AWAY);
        log.info("chat server {} deregistered and closed its sessions", identity.id());
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stop first: before the STOMP broker and the web server. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
