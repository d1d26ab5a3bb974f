package io.chatroom.chat.cluster;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.ServerIdentity;
import io.chatroom.chat.session.StoreCutOffSessions;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import tools.jackson.databind.JsonNode;

/**
 * Moves clients off a server that alone lost Redis: once the heartbeat's PING has failed for longer
 * than {@code chatroom.cluster.store-cut-off-grace} and a coordinator lists another chat server
 * {@code UP}, every session is closed with {@code unavailable} (once per outage) and CONNECTs are
 * refused until Redis answers again. With no other server up (all of Redis down), or no coordinator
 * answering, nothing is closed: failing over would help no one and would start a reconnect storm.
 */
@Component
class StoreCutOffWatch {
    private static final Logger log = LoggerFactory.getLogger(StoreCutOffWatch.class);
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(2);
    private static final String UP = "UP";

    private final Duration grace;
    private final List<String> coordinators;
    private final ServerIdentity identity;
    private final StoreCutOffSessions sessions;
    private final RestClient http;
    private long reachableAtNanos = System.nanoTime();
    private boolean closedThisOutage;

    StoreCutOffWatch(
            ChatroomProperties properties, ServerIdentity identity, StoreCutOffSessions sessions) {
        this.grace = properties.cluster().storeCutOffGrace();
        this.coordinators = properties.coordinator().urls();
        this.identity = identity;
        this.sessions = sessions;
        SimpleClientHttpRequestFactory requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout(HTTP_TIMEOUT);
        requests.setReadTimeout(HTTP_TIMEOUT);
        this.http = RestClient.builder().requestFactory(requests).build();
    }

    /** One heartbeat's PING result (called from the heartbeat, one at a time). */
    synchronized void observed(boolean redisReachable) {
        long now = System.nanoTime();
        if (redisReachable) {
            reachableAtNanos = now;
            if (closedThisOutage) {
                closedThisOutage = false;
                sessions.reachable();
                log.info("Redis reachable again; accepting CONNECTs");
            }
            return;
        }
        if (grace.isZero() || now - reachableAtNanos < grace.toNanos()) {
            return;
        }
        if (closedThisOutage) {
            // CONNECTs are refused; this only catches one that passed the check mid-sweep.
            sessions.closeAll();
            return;
        }
        String other = anotherServerUp();
        if (other == null) {
            return;
        }
        closedThisOutage = true;
        int closed = sessions.closeAll();
        log.warn(
                "Redis unreachable for over {} while {} is up: closed {} session(s) with"
                        + " 'unavailable' so their clients fail over; refusing CONNECTs until"
                        + " Redis answers",
                grace,
                other,
                closed);
    }

    /**
     * The id of another chat server the first coordinator that answers lists as {@code UP}, or null
     * (none, or no coordinator answered).
     */
    private String anotherServerUp() {
        for (String coordinator : coordinators) {
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

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
