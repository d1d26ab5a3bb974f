package io.chatroom.chat.config;

import io.chatroom.chat.relay.SessionTrackingSubProtocolHandler;
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
class StompBrokerConfig extends DelegatingWebSocketMessageBrokerConfiguration {

    @Bean
    @Override
    public WebSocketHandler subProtocolWebSocketHandler(
            AbstractSubscribableChannel clientInboundChannel,
            AbstractSubscribableChannel clientOutboundChannel) {
        SessionTrackingSubProtocolHandler handler =
                new SessionTrackingSubProtocolHandler(clientInboundChannel, clientOutboundChannel);
        handler.setPhase(getPhase());
        return handler;
    }
}
