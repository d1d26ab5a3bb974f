package io.chatroom.chat.config;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.session.SessionRegistry;
import io.chatroom.chat.stomp.SessionTrackingSubProtocolHandler;
import io.chatroom.chat.stomp.SocketWriterPool;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.simp.user.SimpUserRegistry;
import org.springframework.messaging.support.AbstractSubscribableChannel;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.config.annotation.DelegatingWebSocketMessageBrokerConfiguration;
import org.springframework.web.socket.messaging.DefaultSimpUserRegistry;
import org.springframework.web.socket.messaging.SessionConnectedEvent;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

/**
 * Spring's STOMP message broker setup (what {@code @EnableWebSocketMessageBroker} imports, applying
 * {@link WebSocketConfig}), except that the WebSocket handler exposes each session's send-side
 * decorator to the relay.
 */
@Configuration(proxyBeanMethods = false)
class StompBrokerConfig extends DelegatingWebSocketMessageBrokerConfiguration
        implements DisposableBean {
    /**
     * Writes never block (they are asynchronous); a drain that takes longer than this is a close
     * frame to a client that stopped reading, and its thread is replaced so that other sessions are
     * not kept waiting.
     */
    private static final Duration WRITER_STALL = Duration.ofMillis(50);

    /** How often pending sends are checked against the send time limit. */
    private static final Duration SEND_TIMEOUT_CHECK = Duration.ofSeconds(1);

    private final ChatroomProperties properties;
    private final SessionRegistry sessionRegistry;
    private final SocketWriterPool socketWriters;
    private final MeterRegistry meters;
    private final TaskScheduler sendTimeouts;

    StompBrokerConfig(
            ChatroomProperties properties,
            SessionRegistry sessionRegistry,
            MeterRegistry meters,
            @Qualifier("chatTaskScheduler") TaskScheduler sendTimeouts) {
        this.sendTimeouts = sendTimeouts;
        this.properties = properties;
        this.sessionRegistry = sessionRegistry;
        this.meters = meters;
        this.socketWriters = socketWriters(properties.relay().maxWriterThreads());
        FunctionCounter.builder(
                        "chatroom.socket-writers.replaced",
                        socketWriters,
                        SocketWriterPool::replaced)
                .description(
                        "socket writer threads replaced after one drain took longer than "
                                + WRITER_STALL.toMillis()
                                + " ms")
                .register(meters);
    }

    @Override
    public void destroy() {
        socketWriters.shutdown();
    }

    /**
     * One socket writer lane per core; slow clients get threads of their own, up to the maximum.
     */
    private static SocketWriterPool socketWriters(int maxThreads) {
        return new SocketWriterPool(
                Runtime.getRuntime().availableProcessors(), maxThreads, WRITER_STALL);
    }

    @Bean
    @Override
    public WebSocketHandler subProtocolWebSocketHandler(
            AbstractSubscribableChannel clientInboundChannel,
            AbstractSubscribableChannel clientOutboundChannel) {
        SessionTrackingSubProtocolHandler handler =
                new SessionTrackingSubProtocolHandler(
                        clientInboundChannel,
                        clientOutboundChannel,
                        socketWriters,
                        properties.limits().sendBufferSizeLimit(),
                        sessionRegistry::decorated,
                        WebSocketConfig.TEXT_BUFFER_CHARS,
                        meters);
        handler.setPhase(getPhase());
        sendTimeouts.scheduleWithFixedDelay(handler::checkSendTimeouts, SEND_TIMEOUT_CHECK);
        return handler;
    }

    /**
     * Spring's user registry, which finds the sessions of a user for {@code /user/...}
     * destinations, without its record of every subscription of every session: nothing here reads
     * it, and an idle connection would keep a few hundred bytes per subscription in it.
     */
    @Override
    protected SimpUserRegistry createLocalUserRegistry(Integer order) {
        DefaultSimpUserRegistry registry = new SessionsOnlyUserRegistry();
        if (order != null) {
            registry.setOrder(order);
        }
        return registry;
    }

    /** Users and their sessions, from the connected and disconnect events only. */
    private static final class SessionsOnlyUserRegistry extends DefaultSimpUserRegistry {
        @Override
        public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
            return SessionConnectedEvent.class.isAssignableFrom(eventType)
                    || SessionDisconnectEvent.class.isAssignableFrom(eventType);
        }
    }
}
