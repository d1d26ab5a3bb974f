package io.chatroom.chat.config;

import io.chatroom.chat.relay.SessionTrackingSubProtocolHandler;
import io.chatroom.chat.relay.SocketWriterPool;
import io.chatroom.chat.session.SessionRegistry;
import java.time.Duration;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.support.AbstractSubscribableChannel;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.config.annotation.DelegatingWebSocketMessageBrokerConfiguration;

/**
 * Spring's STOMP message broker setup (what {@code @EnableWebSocketMessageBroker} imports, applying
 * {@link WebSocketConfig}), except that the WebSocket handler exposes each session's send-side
 * decorator to the relay.
 */
@Configuration(proxyBeanMethods = false)
class StompBrokerConfig extends DelegatingWebSocketMessageBrokerConfiguration
        implements DisposableBean {
    /**
     * A drain (one session's queued frames) that takes longer has met a client that stopped
     * reading; its thread is replaced so that other sessions are not kept waiting. Writing a batch
     * to a socket that has buffer space takes microseconds.
     */
    private static final Duration WRITER_STALL = Duration.ofMillis(50);

    private final ChatroomProperties properties;
    private final SessionRegistry sessionRegistry;
    private final SocketWriterPool socketWriters;

    StompBrokerConfig(ChatroomProperties properties, SessionRegistry sessionRegistry) {
        this.properties = properties;
        this.sessionRegistry = sessionRegistry;
        this.socketWriters = socketWriters(properties.relay().maxWriterThreads());
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
                        WebSocketConfig.CONTAINER_BUFFER_SIZE);
        handler.setPhase(getPhase());
        return handler;
    }
}
