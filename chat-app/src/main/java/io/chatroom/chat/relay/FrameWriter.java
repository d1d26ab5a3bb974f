package io.chatroom.chat.relay;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.messaging.MessageHandler;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.SimpMessageType;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.stereotype.Component;
import org.springframework.util.MimeTypeUtils;
import org.springframework.web.socket.WebSocketHandler;

/**
 * Writes frames to one session on the calling thread, bypassing the multi-threaded client outbound
 * channel (which would reorder them). The caller is a room's serial executor, so a room's frames
 * reach every session in seq order; Spring's per-session buffer still applies the send time and
 * buffer limits.
 */
@Component
public class FrameWriter {
    private static final byte[] EMPTY = new byte[0];

    private final ObjectProvider<WebSocketHandler> stompHandler;
    private volatile MessageHandler sink;

    FrameWriter(
            @Qualifier("subProtocolWebSocketHandler") ObjectProvider<WebSocketHandler> handler) {
        this.stompHandler = handler;
    }

    private MessageHandler sink() {
        MessageHandler current = sink;
        if (current == null) {
            current = (MessageHandler) stompHandler.getObject();
            sink = current;
        }
        return current;
    }

    void message(
            String sessionId,
            String subscriptionId,
            String destination,
            byte[] payload,
            Map<String, String> nativeHeaders) {
        SimpMessageHeaderAccessor headers =
                SimpMessageHeaderAccessor.create(SimpMessageType.MESSAGE);
        headers.setSessionId(sessionId);
        headers.setSubscriptionId(subscriptionId);
        headers.setDestination(destination);
        headers.setContentType(MimeTypeUtils.APPLICATION_JSON);
        nativeHeaders.forEach(headers::setNativeHeader);
        sink().handleMessage(MessageBuilder.createMessage(payload, headers.getMessageHeaders()));
    }

    /**
     * Sends an ERROR frame; Spring's STOMP handler closes the session right after it, as STOMP
     * requires.
     */
    public void error(String sessionId, String message, String detail) {
        StompHeaderAccessor headers = StompHeaderAccessor.create(StompCommand.ERROR);
        headers.setSessionId(sessionId);
        headers.setMessage(message);
        headers.setContentType(MimeTypeUtils.TEXT_PLAIN);
        sink().handleMessage(
                        MessageBuilder.createMessage(
                                detail.getBytes(StandardCharsets.UTF_8),
                                headers.getMessageHeaders()));
    }

    void receipt(String sessionId, String receiptId) {
        StompHeaderAccessor headers = StompHeaderAccessor.create(StompCommand.RECEIPT);
        headers.setSessionId(sessionId);
        headers.setReceiptId(receiptId);
        sink().handleMessage(MessageBuilder.createMessage(EMPTY, headers.getMessageHeaders()));
    }
}
