package io.chatroom.chat.relay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.SessionLimitExceededException;

/**
 * Writes frames to one session on the calling thread, bypassing the multi-threaded client outbound
 * channel (which would reorder them). The caller is a room's serial executor, so a room's frames
 * reach every session in seq order. Room messages are written pre-encoded straight to the session's
 * Spring send-side decorator, other frames through Spring's STOMP handler; both use that one
 * decorator, so the send time and buffer limits apply and the two kinds never interleave within a
 * frame.
 */
@Component
public class FrameWriter {
    private static final Logger log = LoggerFactory.getLogger(FrameWriter.class);
    private static final byte[] EMPTY = new byte[0];

    private final ObjectProvider<WebSocketHandler> stompHandler;
    private volatile MessageHandler sink;
    private volatile SessionTrackingSubProtocolHandler sessions;

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

    private SessionTrackingSubProtocolHandler sessions() {
        SessionTrackingSubProtocolHandler current = sessions;
        if (current == null) {
            current = (SessionTrackingSubProtocolHandler) stompHandler.getObject();
            sessions = current;
        }
        return current;
    }

    /** Spring's send-side decorator of an open session, or null. */
    WebSocketSession session(String sessionId) {
        return sessions().session(sessionId);
    }

    /**
     * Writes one pre-encoded STOMP frame. A failed write closes the session as Spring's STOMP
     * handler would: with the limit's status when a send-time or buffer limit was exceeded, else as
     * a protocol error.
     */
    void send(WebSocketSession session, String frame) {
        try {
            session.sendMessage(new TextMessage(frame));
        } catch (SessionLimitExceededException e) {
            close(session, e.getStatus());
        } catch (IOException | RuntimeException e) {
            log.debug("writing to session {} failed: {}", session.getId(), e.toString());
            close(session, CloseStatus.PROTOCOL_ERROR);
        }
    }

    private static void close(WebSocketSession session, CloseStatus status) {
        try {
            session.close(status);
        } catch (IOException | RuntimeException e) {
            log.debug("closing session {} failed: {}", session.getId(), e.toString());
        }
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
