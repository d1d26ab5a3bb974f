package io.chatroom.chat.session;

import io.chatroom.chat.messaging.ChatAppErrorCodes;
import io.chatroom.chat.relay.FrameWriter;
import io.chatroom.chat.relay.RelayUnavailableException;
import io.chatroom.chat.relay.RoomRelay;
import io.chatroom.common.ChatError;
import io.chatroom.common.ChatRules;
import io.chatroom.common.ErrorCodes;
import java.security.Principal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.context.annotation.Lazy;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.SimpMessageSendingOperations;
import org.springframework.messaging.simp.SimpMessageType;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.stereotype.Component;

/**
 * Checks every inbound STOMP frame before Spring routes it: CONNECT must carry a valid token; SEND
 * goes only to {@code /app/...}; room topics are subscribed through the {@link RoomRelay} (not the
 * simple broker), and only the user's own queues may be subscribed otherwise. Runs on the session's
 * receiving thread, in frame order.
 */
@Component
public class InboundFrameGuard implements ChannelInterceptor {
    private static final Pattern ROOM_TOPIC = Pattern.compile("^/topic/rooms/([^/]*)(/presence)?$");
    private static final String USER_QUEUE_PREFIX = "/user/queue/";
    private static final String APP_PREFIX = "/app/";
    private static final String AUTHORIZATION = "Authorization";

    private final TokenVerifier tokens;
    private final SessionRegistry sessions;
    private final RoomRelay relay;
    private final SimpMessageSendingOperations messaging;
    private final FrameWriter frames;

    InboundFrameGuard(
            TokenVerifier tokens,
            SessionRegistry sessions,
            RoomRelay relay,
            @Lazy SimpMessageSendingOperations messaging,
            FrameWriter frames) {
        this.frames = frames;
        this.tokens = tokens;
        this.sessions = sessions;
        this.relay = relay;
        this.messaging = messaging;
    }

    @Override
    public Message<?> preSend(Message<?> message, MessageChannel channel) {
        StompHeaderAccessor accessor =
                MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
        if (accessor == null || accessor.getCommand() == null) {
            return message;
        }
        try {
            return guard(message, accessor);
        } catch (ConnectRefusedException e) {
            // Answer here rather than throw: Spring would log the frame, token included, and
            // with ordered receiving it would not send an ERROR frame at all.
            frames.error(accessor.getSessionId(), StompErrorFrames.UNAUTHORIZED, e.getMessage());
            return null;
        }
    }

    private Message<?> guard(Message<?> message, StompHeaderAccessor accessor) {
        StompCommand command = accessor.getCommand();
        switch (command) {
            case CONNECT, STOMP -> {
                ChatPrincipal principal =
                        tokens.verify(accessor.getFirstNativeHeader(AUTHORIZATION));
                accessor.setUser(principal);
                sessions.authenticated(accessor.getSessionId(), principal);
                return message;
            }
            case SEND -> {
                requireUser(accessor);
                return guardSend(message, accessor);
            }
            case SUBSCRIBE -> {
                requireUser(accessor);
                return guardSubscribe(message, accessor);
            }
            case UNSUBSCRIBE -> {
                relay.unsubscribe(accessor.getSessionId(), accessor.getSubscriptionId());
                frames.ackUnsubscribed(accessor.getSessionId(), accessor.getSubscriptionId());
                return message;
            }
            default -> {
                return message;
            }
        }
    }

    private static void requireUser(StompHeaderAccessor accessor) {
        if (accessor.getUser() == null) {
            throw new ConnectRefusedException("CONNECT with a token first");
        }
    }

    private Message<?> guardSend(Message<?> message, StompHeaderAccessor accessor) {
        String destination = accessor.getDestination();
        if (destination == null || !destination.startsWith(APP_PREFIX)) {
            reject(accessor, ChatAppErrorCodes.BAD_DESTINATION, "SEND only to /app/rooms/{room}");
            return null;
        }
        return message;
    }

    private Message<?> guardSubscribe(Message<?> message, StompHeaderAccessor accessor) {
        String destination = accessor.getDestination();
        if (destination == null) {
            reject(accessor, ChatAppErrorCodes.BAD_DESTINATION, "SUBSCRIBE needs a destination");
            return null;
        }
        if (destination.startsWith(USER_QUEUE_PREFIX)) {
            if (destination.equals(FrameWriter.ACKS_DESTINATION)) {
                // Acks are written by the app itself; the broker still answers a receipt.
                frames.ackSubscription(accessor.getSessionId(), accessor.getSubscriptionId());
            }
            return message;
        }
        Matcher room = ROOM_TOPIC.matcher(destination);
        if (!room.matches()) {
            reject(
                    accessor,
                    ChatAppErrorCodes.BAD_DESTINATION,
                    "subscribe to /topic/rooms/{room}, /topic/rooms/{room}/presence or"
                            + " /user/queue/{acks,errors}");
            return null;
        }
        String roomName = room.group(1);
        if (!ChatRules.isValidRoom(roomName)) {
            reject(accessor, ErrorCodes.BAD_ROOM, "room must match " + ChatRules.ROOM.pattern());
            return null;
        }
        boolean presence = room.group(2) != null;
        String receipt = accessor.getReceipt();
        Principal user = accessor.getUser();
        try {
            if (presence) {
                relay.subscribePresence(
                        roomName,
                        accessor.getSessionId(),
                        accessor.getSubscriptionId(),
                        user.getName(),
                        receipt);
            } else {
                RoomRelay.Replay replay = replayOf(accessor);
                if (replay == null) {
                    return null;
                }
                relay.subscribeMessages(
                        roomName,
                        accessor.getSessionId(),
                        accessor.getSubscriptionId(),
                        user.getName(),
                        replay,
                        receipt);
            }
        } catch (RelayUnavailableException e) {
            reject(accessor, ErrorCodes.UNAVAILABLE, "room unavailable, retry the subscription");
        }
        // The relay owns room subscriptions; the simple broker never sees them.
        return null;
    }

    private RoomRelay.Replay replayOf(StompHeaderAccessor accessor) {
        String resumeAfter = accessor.getFirstNativeHeader(ChatRules.RESUME_AFTER_HEADER);
        String history = accessor.getFirstNativeHeader(ChatRules.HISTORY_HEADER);
        try {
            if (resumeAfter != null) {
                long after = Long.parseLong(resumeAfter.trim());
                if (after < 0) {
                    throw new NumberFormatException();
                }
                return new RoomRelay.Replay(0, after);
            }
            if (history != null) {
                int count = Integer.parseInt(history.trim());
                if (count < 0 || count > ChatRules.HISTORY_MAX) {
                    throw new NumberFormatException();
                }
                return new RoomRelay.Replay(count, null);
            }
            return RoomRelay.Replay.NONE;
        } catch (NumberFormatException e) {
            reject(
                    accessor,
                    ChatAppErrorCodes.BAD_HEADER,
                    "history must be 0.." + ChatRules.HISTORY_MAX + " and resume-after a seq >= 0");
            return null;
        }
    }

    private void reject(StompHeaderAccessor accessor, String code, String text) {
        Principal user = accessor.getUser();
        if (user == null) {
            return;
        }
        SimpMessageHeaderAccessor headers =
                SimpMessageHeaderAccessor.create(SimpMessageType.MESSAGE);
        headers.setSessionId(accessor.getSessionId());
        headers.setLeaveMutable(true);
        messaging.convertAndSendToUser(
                user.getName(),
                "/queue/errors",
                new ChatError(code, text, null),
                headers.getMessageHeaders());
    }
}
