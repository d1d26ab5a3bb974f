package io.chatroom.chat.stomp;

import io.chatroom.common.ChatError;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Lazy;
import org.springframework.messaging.MessageHandler;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.SimpMessageSendingOperations;
import org.springframework.messaging.simp.SimpMessageType;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.WebSocketHandler;

/**
 * The way out to clients for the rest of the app. Frames the app encodes itself (room messages,
 * presence, acks, receipts) go straight into the session's {@link SessionOutbox}, bypassing
 * Spring's multi-threaded client outbound channel (which would reorder them); ERROR frames and user
 * errors go through Spring's STOMP handler. Both paths end in the same outbox, so frames never
 * interleave and a slow socket never stalls the caller.
 */
@Component
public class FrameWriter implements FrameSink {
    /** Where a client subscribes for its acks, as the broker would name it in a frame. */
    public static final String ACKS_DESTINATION = "/user/queue/acks";

    private static final String ERRORS_QUEUE = "/queue/errors";

    private final ObjectProvider<WebSocketHandler> stompHandler;
    private final SimpMessageSendingOperations messaging;
    private volatile SessionTrackingSubProtocolHandler sessions;

    FrameWriter(
            @Qualifier("subProtocolWebSocketHandler") ObjectProvider<WebSocketHandler> handler,
            @Lazy SimpMessageSendingOperations messaging) {
        this.stompHandler = handler;
        this.messaging = messaging;
    }

    private SessionTrackingSubProtocolHandler sessions() {
        SessionTrackingSubProtocolHandler current = sessions;
        if (current == null) {
            current = (SessionTrackingSubProtocolHandler) stompHandler.getObject();
            sessions = current;
        }
        return current;
    }

    @Override
    public FrameTarget target(String sessionId) {
        return sessions().session(sessionId);
    }

    /**
     * Sends an ERROR frame; Spring's STOMP handler closes the session right after it, as STOMP
     * requires.
     */
    public void error(String sessionId, String message, String detail) {
        ((MessageHandler) sessions()).handleMessage(StompFrames.error(sessionId, message, detail));
    }

    /**
     * Sends a refusal to the session's {@code /user/queue/errors} subscription (through the broker,
     * which knows it), for frames refused before they reach a controller.
     */
    public void userError(String sessionId, String user, ChatError error) {
        SimpMessageHeaderAccessor headers =
                SimpMessageHeaderAccessor.create(SimpMessageType.MESSAGE);
        headers.setSessionId(sessionId);
        headers.setLeaveMutable(true);
        messaging.convertAndSendToUser(user, ERRORS_QUEUE, error, headers.getMessageHeaders());
    }

    /**
     * The session subscribed to its acks queue (or unsubscribed from it: {@code subscriptionId}
     * null): acks go straight to that subscription.
     */
    public void ackSubscription(String sessionId, String subscriptionId) {
        SessionOutbox outbox = sessions().session(sessionId);
        if (outbox != null) {
            outbox.ackSubscription(
                    subscriptionId == null ? null : StompFrames.escape(subscriptionId));
        }
    }

    /** Forgets the acks subscription if it is this one. */
    public void ackUnsubscribed(String sessionId, String subscriptionId) {
        SessionOutbox outbox = sessions().session(sessionId);
        if (outbox != null
                && subscriptionId != null
                && StompFrames.escape(subscriptionId).equals(outbox.ackSubscription())) {
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
        SessionOutbox outbox = sessions().session(sessionId);
        String subscription = outbox == null ? null : outbox.ackSubscription();
        if (subscription == null) {
            return;
        }
        outbox.offer(
                StompFrames.jsonMessage(
                        ACKS_DESTINATION, subscription, "ack-" + outbox.nextAckId(), json));
    }
}
