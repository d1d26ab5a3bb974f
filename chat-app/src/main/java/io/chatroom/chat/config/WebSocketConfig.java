package io.chatroom.chat.config;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.send.SendInterceptor;
import io.chatroom.chat.session.InboundFrameGuard;
import io.chatroom.chat.session.SessionRegistry;
import io.chatroom.chat.subscription.SubscriptionInterceptor;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.messaging.simp.config.ChannelRegistration;
import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.web.socket.config.annotation.StompEndpointRegistry;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketTransportRegistration;
import org.springframework.web.socket.messaging.StompSubProtocolErrorHandler;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;
import org.springframework.web.socket.server.support.DefaultHandshakeHandler;

/**
 * STOMP 1.2 over plain WebSocket at {@code /ws}. The simple broker only carries the per-user queues
 * (acks, errors); room topics are fanned out by the relay so that their order is kept. The broker
 * itself is set up by {@link StompBrokerConfig}.
 */
@Configuration(proxyBeanMethods = false)
class WebSocketConfig implements WebSocketMessageBrokerConfigurer {
    /**
     * The container's receive buffer for text messages, in chars (two bytes each), allocated for
     * every connection. Longer WebSocket messages arrive in parts of this size, joined by the STOMP
     * decoder up to {@code chatroom.limits.message-size-limit}, so an idle connection costs a few
     * KB, not the size of the largest legal frame. A SEND with up to about 850 chars of text
     * arrives whole; not much smaller, because a frame without a content-length header is parsed
     * again at every part.
     */
    static final int TEXT_BUFFER_CHARS = 1024;

    /** The same for binary messages, which stock clients send only when told to. */
    private static final int BINARY_BUFFER_BYTES = 512;

    /**
     * The connector's read buffer of every socket (Tomcat's default: 8 KB), kept for the
     * connection's lifetime. One read from the socket takes at most this much; a WebSocket read
     * goes straight into Tomcat's WebSocket input buffer when that has room for it.
     */
    private static final String SOCKET_READ_BUFFER = "1024";

    /**
     * The connector's write buffer of every socket (Tomcat's default: 8 KB), kept for the
     * connection's lifetime. Only HTTP responses pass through it (the handshake's 101, the
     * actuator's answers), in pieces of this size; WebSocket frames are written to the socket from
     * their own buffers.
     */
    private static final String SOCKET_WRITE_BUFFER = "512";

    private final ChatroomProperties properties;
    private final InboundFrameGuard guard;
    private final SubscriptionInterceptor subscriptions;
    private final SendInterceptor sends;
    private final SessionRegistry sessions;
    private final StompSubProtocolErrorHandler errorFrames;
    private final TaskScheduler heartbeats;

    WebSocketConfig(
            ChatroomProperties properties,
            InboundFrameGuard guard,
            SubscriptionInterceptor subscriptions,
            SendInterceptor sends,
            SessionRegistry sessions,
            StompSubProtocolErrorHandler errorFrames,
            @Lazy @Qualifier("messageBrokerTaskScheduler") TaskScheduler heartbeats) {
        this.properties = properties;
        this.heartbeats = heartbeats;
        this.guard = guard;
        this.subscriptions = subscriptions;
        this.sends = sends;
        this.sessions = sessions;
        this.errorFrames = errorFrames;
    }

    @Override
    public void registerStompEndpoints(StompEndpointRegistry registry) {
        registry.addEndpoint("/ws")
                .setHandshakeHandler(new DefaultHandshakeHandler(new HeaderlessUpgradeStrategy()))
                .setAllowedOrigins(properties.allowedOrigins().toArray(String[]::new));
        registry.setErrorHandler(errorFrames);
        // Frames of one session are handled in the order they arrived: a client's two SENDs get
        // increasing seqs.
        registry.setPreserveReceiveOrder(true);
    }

    @Override
    public void configureMessageBroker(MessageBrokerRegistry registry) {
        registry.setApplicationDestinationPrefixes("/app");
        registry.setUserDestinationPrefix("/user");
        long heartbeat = properties.stompHeartbeat().toMillis();
        // Without a scheduler the broker answers every CONNECT with heart-beat:0,0 and idle stock
        // clients that asked for heart-beats may give up on the connection.
        registry.enableSimpleBroker("/queue")
                .setTaskScheduler(heartbeats)
                .setHeartbeatValue(new long[] {heartbeat, heartbeat});
        registry.setPreservePublishOrder(true);
    }

    @Override
    public void configureClientInboundChannel(ChannelRegistration registration) {
        // The guard authenticates first; subscriptions and SENDs are handled only for authenticated
        // sessions, and taken out of Spring's pipeline there.
        registration.interceptors(guard, subscriptions, sends);
    }

    @Override
    public void configureWebSocketTransport(WebSocketTransportRegistration registration) {
        registration
                .setMessageSizeLimit(properties.limits().messageSizeLimit())
                .setSendTimeLimit((int) properties.limits().sendTimeLimit().toMillis())
                .setSendBufferSizeLimit(properties.limits().sendBufferSizeLimit())
                .addDecoratorFactory(sessions);
    }

    @Bean
    TomcatConnectorCustomizer smallSocketBuffers() {
        int kernelSendBuffer = properties.limits().socketSendBuffer();
        return connector -> {
            connector.setProperty("socket.appReadBufSize", SOCKET_READ_BUFFER);
            connector.setProperty("socket.appWriteBufSize", SOCKET_WRITE_BUFFER);
            if (kernelSendBuffer > 0) {
                // Bounds what the kernel holds for a client that stops reading.
                connector.setProperty("socket.txBufSize", Integer.toString(kernelSendBuffer));
            }
        };
    }

    @Bean
    ServletServerContainerFactoryBean webSocketContainer() {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(TEXT_BUFFER_CHARS);
        container.setMaxBinaryMessageBufferSize(BINARY_BUFFER_BYTES);
        return container;
    }
}
