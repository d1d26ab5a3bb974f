package io.chatroom.chat.session;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.stomp.ClosedSessionsMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.socket.handler.WebSocketHandlerDecoratorFactory;

/**
 * Every open WebSocket session of this server with the user it authenticated as, so that revoked or
 * expired tokens and a graceful stop can close them. A session that has not completed STOMP CONNECT
 * within {@code chatroom.limits.connect-timeout} is closed, so idle sockets cannot hold connection
 * slots.
 */
@Component
public class SessionRegistry implements WebSocketHandlerDecoratorFactory {
    private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);

    /** Close status of a socket that did not complete CONNECT in time. */
    static final CloseStatus CONNECT_TIMEOUT =
            CloseStatus.POLICY_VIOLATION.withReason("STOMP CONNECT not received in time");

    private final Map<String, Entry> sessions = new ConcurrentHashMap<>();
    private final TaskScheduler scheduler;
    private final Duration connectTimeout;
    private final Counter connectTimeouts;

    SessionRegistry(
            MeterRegistry meters,
            ChatroomProperties properties,
            @Qualifier("chatTaskScheduler") TaskScheduler scheduler) {
        this.scheduler = scheduler;
        this.connectTimeout = properties.limits().connectTimeout();
        Gauge.builder("chatroom.sessions", sessions, Map::size)
                .description("open WebSocket sessions")
                .register(meters);
        this.connectTimeouts = ClosedSessionsMeter.counter(meters, "connect_timeout");
    }

    /** An open session; {@code connectSeen} once its CONNECT frame arrived (checked or not). */
    private record Entry(WebSocketSession session, ChatPrincipal principal, boolean connectSeen) {}

    @Override
    public WebSocketHandler decorate(WebSocketHandler handler) {
        return new WebSocketHandlerDecorator(handler) {
            @Override
            public void afterConnectionEstablished(WebSocketSession session) throws Exception {
                sessions.put(session.getId(), new Entry(session, null, false));
                scheduler.schedule(
                        () -> closeIfNotConnected(session.getId()),
                        Instant.now().plus(connectTimeout));
                super.afterConnectionEstablished(session);
            }

            @Override
            public void afterConnectionClosed(WebSocketSession session, CloseStatus status)
                    throws Exception {
                sessions.remove(session.getId());
                super.afterConnectionClosed(session, status);
            }
        };
    }

    /**
     * The session as the STOMP handler decorated it for sending: closes go through it, so that they
     * come after the frames (an ERROR) already queued for the session.
     */
    public void decorated(WebSocketSession session) {
        sessions.computeIfPresent(
                session.getId(), (id, e) -> new Entry(session, e.principal(), e.connectSeen()));
    }

    private void closeIfNotConnected(String sessionId) {
        Entry entry = sessions.get(sessionId);
        if (entry != null && !entry.connectSeen()) {
            log.info(
                    "session {} sent no STOMP CONNECT within {}; closing it",
                    sessionId,
                    connectTimeout);
            connectTimeouts.increment();
            close(entry.session(), CONNECT_TIMEOUT);
        }
    }

    /** The session's CONNECT arrived: the deadline no longer applies, whatever the check says. */
    void connectSeen(String sessionId) {
        sessions.computeIfPresent(
                sessionId, (id, e) -> new Entry(e.session(), e.principal(), true));
    }

    void authenticated(String sessionId, ChatPrincipal principal) {
        sessions.computeIfPresent(sessionId, (id, e) -> new Entry(e.session(), principal, true));
    }

    public int count() {
        return sessions.size();
    }

    /** Distinct token ids of authenticated sessions. */
    List<ChatPrincipal> principals() {
        List<ChatPrincipal> result = new ArrayList<>();
        for (Entry e : sessions.values()) {
            if (e.principal() != null) {
                result.add(e.principal());
            }
        }
        return result;
    }

    /**
     * Closes every session whose principal matches, after handing its id to {@code beforeClose}
     * (e.g. to send an ERROR frame); returns how many.
     */
    int closeWhere(
            Predicate<ChatPrincipal> match, CloseStatus status, Consumer<String> beforeClose) {
        int closed = 0;
        for (Entry e : sessions.values()) {
            if (e.principal() != null && match.test(e.principal())) {
                try {
                    beforeClose.accept(e.session().getId());
                } catch (RuntimeException ex) {
                    log.debug(
                            "farewell to session {} failed: {}",
                            e.session().getId(),
                            ex.toString());
                }
                // Usually already closed after the ERROR frame; this makes sure it is.
                close(e.session(), status);
                closed++;
            }
        }
        return closed;
    }

    /** Closes every open session, e.g. with "going away" on a graceful stop. */
    public void closeAll(CloseStatus status) {
        for (Entry e : sessions.values()) {
            close(e.session(), status);
        }
    }

    private static void close(WebSocketSession session, CloseStatus status) {
        try {
            session.close(status);
        } catch (IOException | IllegalStateException e) {
            log.debug("closing session {} failed: {}", session.getId(), e.toString());
        }
    }
}
