package io.chatroom.chat.config;

import io.chatroom.chat.logging.InboundFrameLogContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.messaging.simp.config.ChannelRegistration;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;

/**
 * Puts {@link InboundFrameLogContext} first on the client inbound channel (Spring applies every
 * {@link WebSocketMessageBrokerConfigurer} in order), so the MDC is already set while the frame
 * guard checks the frame and subscribes rooms.
 */
@Configuration(proxyBeanMethods = false)
@Order(Ordered.HIGHEST_PRECEDENCE)
class LogContextConfig implements WebSocketMessageBrokerConfigurer {
    private final InboundFrameLogContext logContext;

    LogContextConfig(InboundFrameLogContext logContext) {
        this.logContext = logContext;
    }

    @Override
    public void configureClientInboundChannel(ChannelRegistration registration) {
        registration.interceptors(logContext);
    }
}
