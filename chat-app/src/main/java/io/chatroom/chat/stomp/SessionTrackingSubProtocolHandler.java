package io.chatroom.chat.stomp;

import io.micrometer.core.instrument.MeterRegistry;
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
 * so that the app's pre-encoded frames and Spring's own frames (acks, errors) share one ordered
 * queue and the same send-time and buffer-size limits, and nobody waits on a socket.
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
    private final OutboxMeters meters;

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
            int receiveBufferSize,
            MeterRegistry meters) {
        super(clientInboundChannel, clientOutboundChannel);
        this.writers = writers;
        this.maxQueuedChars = maxQueuedChars;
        this.onDecorated = onDecorated;
        this.receiveBufferSize = receiveBufferSize;
        this.meters = new OutboxMeters(meters);
    }

    @Override
    protected WebSocketSession decorateSession(WebSocketSession session) {
        SessionOutbox outbox =
                new SessionOutbox(
                        session,
                        writers,
                        maxQueuedChars,
                        Duration.ofMillis(getSendTimeLimit()),
                        meters);
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
        // Unwritable before the disconnect event goes out: a subscription being set up for this
        // session meanwhile sees it closed, and one set up before is undone by the event.
        SessionOutbox outbox = sessions.get(session.getId());
        if (outbox != null) {
            outbox.discard();
        }
        try {
            super.afterConnectionClosed(session, closeStatus);
        } finally {
            sessions.remove(session.getId());
        }
    }

    /** Closes sessions whose send has been pending longer than the send time limit. */
    public void checkSendTimeouts() {
        long now = System.nanoTime();
        for (SessionOutbox outbox : sessions.values()) {
            outbox.checkSendTimeout(now);
        }
    }

    /** The session's outbox, or null if the session is not (or no longer) open. */
    SessionOutbox session(String sessionId) {
        return sessions.get(sessionId);
    }
}
