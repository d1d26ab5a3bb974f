package io.chatroom.chat.logging;

import io.chatroom.common.ChatRules;
import java.security.Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandler;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ExecutorChannelInterceptor;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.stereotype.Component;

/**
 * Names the session, user and room of the inbound STOMP frame being handled in the logging MDC, so
 * that every line logged meanwhile carries them (as JSON fields in structured logs). Set while the
 * frame passes the channel's interceptors on the receiving thread and while each handler runs on
 * the inbound executor thread; removed after each. Logs one DEBUG line per frame ({@code inbound
 * SEND}). Never holds a token: the user is the name of the verified principal (absent on CONNECT,
 * which the frame guard has yet to verify), and a room only a name that passed {@link
 * ChatRules#isValidRoom}, so a client cannot forge log text through it.
 */
@Component
public class InboundFrameLogContext implements ExecutorChannelInterceptor {
    /** MDC key of the WebSocket session id, as Spring assigns it. */
    public static final String SESSION = "chatroom.session";

    /** MDC key of the authenticated user name; absent before CONNECT is accepted. */
    public static final String USER = "chatroom.user";

    /** MDC key of the room a SEND or SUBSCRIBE addresses; absent for other frames. */
    public static final String ROOM = "chatroom.room";

    private static final Logger log = LoggerFactory.getLogger(InboundFrameLogContext.class);
    private static final String APP_ROOMS = "/app/rooms/";
    private static final String TOPIC_ROOMS = "/topic/rooms/";
    private static final String PRESENCE = "/presence";

    @Override
    public Message<?> preSend(Message<?> message, MessageChannel channel) {
        put(message.getHeaders());
        if (log.isDebugEnabled()) {
            // Here, not in beforeHandle: that runs once per handler (broker, controllers, ...).
            StompHeaderAccessor stomp =
                    MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
            StompCommand command = stomp == null ? null : stomp.getCommand();
            if (command != null) {
                log.debug("inbound {}", command);
            }
        }
        return message;
    }

    @Override
    public void afterSendCompletion(
            Message<?> message, MessageChannel channel, boolean sent, Exception ex) {
        clear();
    }

    @Override
    public Message<?> beforeHandle(
            Message<?> message, MessageChannel channel, MessageHandler handler) {
        put(message.getHeaders());
        return message;
    }

    @Override
    public void afterMessageHandled(
            Message<?> message, MessageChannel channel, MessageHandler handler, Exception ex) {
        clear();
    }

    private static void put(MessageHeaders headers) {
        String session = SimpMessageHeaderAccessor.getSessionId(headers);
        if (session != null) {
            MDC.put(SESSION, session);
        }
        Principal user = SimpMessageHeaderAccessor.getUser(headers);
        if (user != null) {
            MDC.put(USER, user.getName());
        }
        String room = roomOf(SimpMessageHeaderAccessor.getDestination(headers));
        if (room != null) {
            MDC.put(ROOM, room);
        }
    }

    private static void clear() {
        MDC.remove(SESSION);
        MDC.remove(USER);
        MDC.remove(ROOM);
    }

    /**
     * The room of {@code /app/rooms/{room}} or {@code /topic/rooms/{room}[/presence]}, if valid.
     * String checks, not a regex: this runs for every inbound frame.
     */
    static String roomOf(String destination) {
        if (destination == null) {
            return null;
        }
        int start;
        if (destination.startsWith(APP_ROOMS)) {
            start = APP_ROOMS.length();
        } else if (destination.startsWith(TOPIC_ROOMS)) {
            start = TOPIC_ROOMS.length();
        } else {
            return null;
        }
        int end = destination.length();
        if (destination.endsWith(PRESENCE) && end - PRESENCE.length() > start) {
            end -= PRESENCE.length();
        }
        String room = destination.substring(start, end);
        return ChatRules.isValidRoom(room) ? room : null;
    }
}
