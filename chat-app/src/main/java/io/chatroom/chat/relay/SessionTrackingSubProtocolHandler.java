package io.chatroom.chat.relay;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.SubscribableChannel;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.messaging.SubProtocolWebSocketHandler;

/**
 * Spring's STOMP-over-WebSocket handler that also keeps, by session id, the send-side decorator it
 * creates for every open session, so that the relay's pre-encoded frames go through the same
 * buffer, lock, send-time and buffer-size limits as Spring's own frames (receipts, acks, errors).
 */
public class SessionTrackingSubProtocolHandler extends SubProtocolWebSocketHandler {
    private final Map<String, WebSocketSession> sessions = new ConcurrentHashMap<>();

    public SessionTrackingSubProtocolHandler(
            MessageChannel clientInboundChannel, SubscribableChannel clientOutboundChannel) {
        super(clientInboundChannel, clientOutboundChannel);
    }

    @Override
    protected WebSocketSession decorateSession(WebSocketSession session) {
        WebSocketSession decorated = super.decorateSession(session);
        sessions.put(decorated.getId(), decorated);
        return decorated;
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus closeStatus)
            throws Exception {
        try {
            super.afterConnectionClosed(session, closeStatus);
        } finally {
            sessions.remove(session.getId());
        }
    }

    /** The session's send-side decorator, or null if the session is not (or no longer) open. */
    WebSocketSession session(String sessionId) {
        return sessions.get(sessionId);
    }
}
