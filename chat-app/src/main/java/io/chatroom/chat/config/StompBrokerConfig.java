package io.chatroom.chat.config;

import io.chatroom.chat.relay.SessionTrackingSubProtocolHandler;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
    /** Idle socket writer threads end after this long. */
    private static final long WRITER_KEEP_ALIVE_SECONDS = 30;

    private final ChatroomProperties properties;
    private final ThreadPoolExecutor socketWriters;

    StompBrokerConfig(ChatroomProperties properties) {
        this.properties = properties;
        this.socketWriters = socketWriters(properties.relay().maxWriterThreads());
    }

    @Override
    public void destroy() {
        socketWriters.shutdown();
    }

    /**
     * Threads that write queued frames to sockets. A thread is only busy while a session has frames
     * queued, and a slow socket holds one for at most the send time limit, so the pool grows with
     * the number of sessions being written at once (up to the configured maximum) instead of
     * letting one slow client hold a room's relay thread.
     */
    private static ThreadPoolExecutor socketWriters(int maxThreads) {
        ThreadPoolExecutor pool =
                new ThreadPoolExecutor(
                        0,
                        maxThreads,
                        WRITER_KEEP_ALIVE_SECONDS,
                        TimeUnit.SECONDS,
                        new SynchronousQueue<>());
        pool.setThreadFactory(
                runnable -> {
                    Thread thread = new Thread(runnable);
                    thread.setName("socket-writer-" + thread.getId());
                    thread.setDaemon(true);
                    return thread;
                });
        return pool;
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
                        properties.limits().sendBufferSizeLimit());
        handler.setPhase(getPhase());
        return handler;
    }
}
