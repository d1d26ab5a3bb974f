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
 * Writes frames to sessions, bypassing the multi-threaded client outbound channel (which would
 * reorder them). The caller is a room's serial executor, and room messages and receipts go
 * pre-encoded through each session's {@link SessionOutbox} (one writer at a time per session), so a
 * room's frames reach every session in seq order and a slow socket never stalls the room. Presence
 * and ERROR frames go through Spring's STOMP handler; both paths end in Spring's one send-side
 * decorator, so the send time and buffer limits apply and frames never interleave.
 */
@Component
public class FrameWriter {
    /** Where a client subscribes for its acks, as the broker would name it in a frame. */
    public static final String ACKS_DESTINATION = "/user/queue/acks";

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

    /** The outbox of an open session, or null. */
    SessionOutbox session(String sessionId) {
        return sessions().session(sessionId);
    }

    /**
     * Queues one pre-encoded STOMP frame for the session; its writer thread sends it. A failed
     * write closes the session as Spring's STOMP handler would: with the limit's status when a
     * send-time or buffer limit was exceeded, else as a protocol error.
     */
    void send(SessionOutbox session, String frame) {
        session.offer(frame);
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

    /**
     * The session subscribed to its acks queue (or unsubscribed from it: {@code subscriptionId}
     * null): acks go straight to that subscription.
     */
    public void ackSubscription(String sessionId, String subscriptionId) {
        SessionOutbox outbox = session(sessionId);
        if (outbox != null) {
            outbox.ackSubscription(
                    subscriptionId == null ? null : MessageFrame.escape(subscriptionId));
        }
    }

    /** Forgets the acks subscription if it is this one. */
    public void ackUnsubscribed(String sessionId, String subscriptionId) {
        SessionOutbox outbox = session(sessionId);
        if (outbox != null
                && subscriptionId != null
                && MessageFrame.escape(subscriptionId).equals(outbox.ackSubscription())) {
            outbox.ackSubscription(null);
        }
    }

    /**
     * Queues an ack (JSON) for the session's acks subscription, behind the frames already queued
     * for it; nothing if the session has none. A pre-encoded frame instead of a trip through the
     * broker's user destinations: this runs once per message sent, and Spring's route cost more CPU
     * than storing the message.
     */
    public void ack(String sessionId, String json) {
        SessionOutbox outbox = session(sessionId);
        String subscription = outbox == null ? null : outbox.ackSubscription();
        if (subscription == null) {
            return;
        }
        outbox.offer(
                "MESSAGE\ndestination:"
                        + ACKS_DESTINATION
                        + "\ncontent-type:application/json\nsubscription:"
                        + subscription
                        + "\nmessage-id:ack-"
                        + outbox.nextAckId()
                        + "\ncontent-length:"
                        + json.getBytes(StandardCharsets.UTF_8).length
                        + "\n\n"
                        + json
                        + '\0');
    }

    /**
     * Queues a RECEIPT behind the frames already queued for the session, so that it still comes
     * after a subscription's replay and before its first live frame.
     */
    void receipt(String sessionId, String receiptId) {
        SessionOutbox outbox = session(sessionId);
        if (outbox != null) {
            outbox.offer("RECEIPT\nreceipt-id:" + MessageFrame.escape(receiptId) + "\n\n\0");
        }
    }
}
