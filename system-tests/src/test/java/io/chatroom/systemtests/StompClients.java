package io.chatroom.systemtests;

import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;

/** One STOMP-over-WebSocket client for the whole run; every {@link ChatClient} is a session. */
final class StompClients {
    private static final int MAX_FRAME_BYTES = 256 * 1024;
    private static final WebSocketStompClient SHARED = create();

    private StompClients() {}

    static WebSocketStompClient shared() {
        return SHARED;
    }

    private static WebSocketStompClient create() {
        WebSocketContainer container = ContainerProvider.getWebSocketContainer();
        container.setDefaultMaxTextMessageBufferSize(MAX_FRAME_BYTES);
        container.setDefaultMaxBinaryMessageBufferSize(MAX_FRAME_BYTES);
        WebSocketStompClient client =
                new WebSocketStompClient(new StandardWebSocketClient(container));
        client.setInboundMessageSizeLimit(MAX_FRAME_BYTES);
        // No STOMP heart-beats: a SIGSTOPped server must keep its clients connected.
        client.setDefaultHeartbeat(new long[] {0, 0});
        return client;
    }
}
