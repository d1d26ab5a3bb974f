package io.chatroom.chat.cluster;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.session.StoreCutOffSessions;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

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

    private final Duration grace;
    private final StoreCutOffSessions sessions;
    private long reachableAtNanos = System.nanoTime();
    private boolean closedThisOutage;

    StoreCutOffWatch(ChatroomProperties properties, StoreCutOffSessions sessions) {
        this.grace = properties.cluster().storeCutOffGrace();
        this.sessions = sessions;
    }

    /**
     * One heartbeat's PING result (called from the heartbeat, one at a time); {@code
     * anotherServerUp} asks the coordinators for another chat server that is up (its id, or null),
     * only when needed.
     */
    synchronized void observed(boolean redisReachable, Supplier<String> anotherServerUp) {
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
        String other = anotherServerUp.get();
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
}
