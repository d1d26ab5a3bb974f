package io.chatroom.chat.session;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.RedisPubSub;
import io.chatroom.chat.stomp.FrameWriter;
import io.chatroom.common.RedisKeys;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;

/**
 * Closes sessions of logged-out tokens within seconds: at once on the revocation publish, and by a
 * periodic re-check of every open session's token id (against PostgreSQL as well as Redis, so a
 * Redis that lost a revocation cannot keep a session open) in case a publish was missed. Also
 * closes sessions whose token expired. Each gets a STOMP ERROR frame ({@code message:token revoked}
 * or {@code token expired}) first, so stock STOMP clients report why.
 */
@Component
class RevocationWatcher implements RedisPubSub.Listener {
    private static final Logger log = LoggerFactory.getLogger(RevocationWatcher.class);
    static final String TOKEN_REVOKED = "token revoked";
    static final String TOKEN_EXPIRED = "token expired";
    static final CloseStatus REVOKED = CloseStatus.POLICY_VIOLATION.withReason(TOKEN_REVOKED);
    static final CloseStatus EXPIRED = CloseStatus.POLICY_VIOLATION.withReason(TOKEN_EXPIRED);
    private static final String LOG_IN_AGAIN = "log in again and reconnect with the new token";

    private final SessionRegistry sessions;
    private final RevokedTokens revoked;
    private final FrameWriter frames;
    private final TaskScheduler scheduler;

    RevocationWatcher(
            SessionRegistry sessions,
            FrameWriter frames,
            RevokedTokens revoked,
            RedisKeys keys,
            RedisPubSub pubSub,
            @Qualifier("chatTaskScheduler") TaskScheduler scheduler,
            ChatroomProperties properties) {
        this.sessions = sessions;
        this.revoked = revoked;
        this.frames = frames;
        this.scheduler = scheduler;
        try {
            pubSub.subscribe(this, List.of(keys.revocationChannel()));
        } catch (DataAccessException e) {
            // Subscribed again once Redis answers; the periodic re-check covers the meantime.
            log.warn("revocation channel not subscribed yet: {}", e.toString());
        }
        scheduler.scheduleWithFixedDelay(
                this::recheck, properties.auth().revocationCheckInterval());
    }

    @Override
    public void onMessage(String channel, byte[] message) {
        String tokenId = new String(message, StandardCharsets.UTF_8).trim();
        // Off the Redis I/O thread: writing the ERROR frame may block on a slow client.
        scheduler.schedule(
                () -> {
                    int closed = closeRevoked(tokenId);
                    if (closed > 0) {
                        log.info("closed {} session(s) of a revoked token", closed);
                    }
                },
                Instant.now());
    }

    private int closeRevoked(String tokenId) {
        return sessions.closeWhere(
                p -> p.tokenId().equals(tokenId),
                REVOKED,
                id -> frames.error(id, TOKEN_REVOKED, LOG_IN_AGAIN));
    }

    void recheck() {
        Instant now = Instant.now();
        sessions.closeWhere(
                p -> p.expiresAt().isBefore(now),
                EXPIRED,
                id -> frames.error(id, TOKEN_EXPIRED, LOG_IN_AGAIN));
        Set<String> tokenIds = new HashSet<>();
        sessions.principals().forEach(p -> tokenIds.add(p.tokenId()));
        for (String tokenId : revoked.revokedAmong(tokenIds)) {
            closeRevoked(tokenId);
        }
    }
}
