package io.chatroom.chat.relay;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.SubscribableChannel;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.messaging.SubProtocolWebSocketHandler;

/**
 * Spring's STOMP-over-WebSocket handler that also keeps, by session id, an outbox over the
 * send-side decorator it creates for every open session, so that the relay's pre-encoded frames go
 * through the same lock, send-time and buffer-size limits as Spring's own frames (acks, errors)
 * without the relay ever waiting on a socket.
 */
public class SessionTrackingSubProtocolHandler extends SubProtocolWebSocketHandler {
    private final Map<String, SessionOutbox> sessions = new ConcurrentHashMap<>();
    private final Executor writers;
    private final long maxQueuedChars;

    /**
     * @param writers runs the outboxes' socket writes
     * @param maxQueuedChars how much a session may have queued before it is closed as too slow
     */
    public SessionTrackingSubProtocolHandler(
            MessageChannel clientInboundChannel,
            SubscribableChannel clientOutboundChannel,
            Executor writers,
            long maxQueuedChars) {
        super(clientInboundChannel, clientOutboundChannel);
        this.writers = writers;
        this.maxQueuedChars = maxQueuedChars;
    }

    @Override
    protected WebSocketSession decorateSession(WebSocketSession session) {
        WebSocketSession decorated = super.decorateSession(session);
        sessions.put(decorated.getId(), new SessionOutbox(decorated, writers, maxQueuedChars));
        return decorated;
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus closeStatus)
            throws Exception {
        try {
            super.afterConnectionClosed(session, closeStatus);
        } finally {
            SessionOutbox outbox = sessions.remove(session.getId());
            if (outbox != null) {
                outbox.discard();
            }
        }
    }

    /** The session's outbox, or null if the session is not (or no longer) open. */
    SessionOutbox session(String sessionId) {
        return sessions.get(sessionId);
    }
}
