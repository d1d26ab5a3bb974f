package io.chatroom.chat.relay;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.SubscribableChannel;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.messaging.SubProtocolWebSocketHandler;

/**
 * Spring's STOMP-over-WebSocket handler with a {@link SessionOutbox} as every session's send-side
 * decorator (instead of Spring's {@code ConcurrentWebSocketSessionDecorator}), kept by session id,
 * so that the relay's pre-encoded frames and Spring's own frames (acks, errors) share one ordered
 * queue, one writer and the same send-time and buffer-size limits, and the relay never waits on a
 * socket.
 *
 * <p>It takes WebSocket messages in parts, so the container's per-session receive buffers can stay
 * small (they are allocated for every connection); Spring's STOMP decoder joins the parts of a
 * frame and refuses one larger than the STOMP message size limit.
 */
public class SessionTrackingSubProtocolHandler extends SubProtocolWebSocketHandler {
    private final Map<String, SessionOutbox> sessions = new ConcurrentHashMap<>();
    private final Executor writers;
    private final long maxQueuedChars;
    private final Consumer<WebSocketSession> onDecorated;
    private final int receiveBufferSize;

    /**
     * @param writers runs the outboxes' socket writes
     * @param maxQueuedChars how much a session may have queued before it is closed as too slow
     * @param onDecorated told of every session's outbox, the way to send to and close it
     * @param receiveBufferSize the container's per-session text buffer, in characters
     */
    public SessionTrackingSubProtocolHandler(
            MessageChannel clientInboundChannel,
            SubscribableChannel clientOutboundChannel,
            Executor writers,
            long maxQueuedChars,
            Consumer<WebSocketSession> onDecorated,
            int receiveBufferSize) {
        super(clientInboundChannel, clientOutboundChannel);
        this.writers = writers;
        this.maxQueuedChars = maxQueuedChars;
        this.onDecorated = onDecorated;
        this.receiveBufferSize = receiveBufferSize;
    }

    @Override
    protected WebSocketSession decorateSession(WebSocketSession session) {
        SessionOutbox outbox =
                new SessionOutbox(
                        session, writers, maxQueuedChars, Duration.ofMillis(getSendTimeLimit()));
        sessions.put(outbox.getId(), outbox);
        onDecorated.accept(outbox);
        return outbox;
    }

    /**
     * Spring's STOMP handler raises each session's text buffer to 16 KB so that a 16 KB WebSocket
     * message (stomp.js splits large frames at 16 KB) fits whole, and the container then allocates
     * a 33 KB char buffer for every connection. Taking messages in parts, the configured size does,
     * so it is set back.
     */
    @Override
    public void afterConnectionEstablished(WebSocketSession session) throws Exception {
        super.afterConnectionEstablished(session);
        if (session.isOpen() && session.getTextMessageSizeLimit() > receiveBufferSize) {
            session.setTextMessageSizeLimit(receiveBufferSize);
        }
    }

    @Override
    public boolean supportsPartialMessages() {
        return true;
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
