package io.chatroom.chat.subscription;

import io.chatroom.chat.ChatAppErrorCodes;
import io.chatroom.chat.room.Replay;
import io.chatroom.chat.room.RoomRelay;
import io.chatroom.chat.room.RoomUnavailableException;
import io.chatroom.chat.stomp.FrameWriter;
import io.chatroom.chat.subscription.SessionSubscriptions.Kind;
import io.chatroom.chat.subscription.SessionSubscriptions.Target;
import io.chatroom.common.ChatError;
import io.chatroom.common.ChatRules;
import io.chatroom.common.ErrorCodes;
import java.security.Principal;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.context.event.EventListener;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

/**
 * SUBSCRIBE and UNSUBSCRIBE of authenticated sessions: room topics go to the {@link RoomRelay} (the
 * simple broker never sees them), the user's own queues to the broker. Every subscription needs an
 * id not in use in its session; each is undone on UNSUBSCRIBE or when the session ends, whatever
 * the timing. Runs on the session's receiving thread, in frame order, after the session guard.
 */
@Component
public class SubscriptionInterceptor implements ChannelInterceptor {
    private static final Pattern ROOM_TOPIC = Pattern.compile("^/topic/rooms/([^/]*)(/presence)?$");
    private static final String USER_QUEUE_PREFIX = "/user/queue/";

    private final SessionSubscriptions subscriptions = new SessionSubscriptions();
    private final RoomRelay relay;
    private final FrameWriter frames;

    SubscriptionInterceptor(RoomRelay relay, FrameWriter frames) {
        this.relay = relay;
        this.frames = frames;
    }

    @Override
    public Message<?> preSend(Message<?> message, MessageChannel channel) {
        StompHeaderAccessor accessor =
                MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
        if (accessor == null || accessor.getUser() == null) {
            return message;
        }
        if (accessor.getCommand() == StompCommand.SUBSCRIBE) {
            return subscribe(message, accessor);
        }
        if (accessor.getCommand() == StompCommand.UNSUBSCRIBE) {
            unsubscribe(accessor.getSessionId(), accessor.getSubscriptionId());
        }
        return message;
    }

    private Message<?> subscribe(Message<?> message, StompHeaderAccessor accessor) {
        String sessionId = accessor.getSessionId();
        String id = accessor.getSubscriptionId();
        if (id == null || id.isBlank()) {
            reject(accessor, ChatAppErrorCodes.MISSING_SUBSCRIPTION_ID, "SUBSCRIBE needs an id");
            return null;
        }
        String destination = accessor.getDestination();
        if (destination == null) {
            reject(accessor, ChatAppErrorCodes.BAD_DESTINATION, "SUBSCRIBE needs a destination");
            return null;
        }
        if (destination.startsWith(USER_QUEUE_PREFIX)) {
            if (!subscriptions.add(sessionId, id, Target.QUEUE)) {
                rejectDuplicate(accessor, id);
                return null;
            }
            if (destination.equals(FrameWriter.ACKS_DESTINATION)) {
                // Acks are written by the app itself; the broker still answers a receipt.
                frames.ackSubscription(sessionId, id);
            }
            return message;
        }
        Matcher topic = ROOM_TOPIC.matcher(destination);
        if (!topic.matches()) {
            reject(
                    accessor,
                    ChatAppErrorCodes.BAD_DESTINATION,
                    "subscribe to /topic/rooms/{room}, /topic/rooms/{room}/presence or"
                            + " /user/queue/{acks,errors}");
            return null;
        }
        String room = topic.group(1);
        if (!ChatRules.isValidRoom(room)) {
            reject(accessor, ErrorCodes.BAD_ROOM, "room must match " + ChatRules.ROOM.pattern());
            return null;
        }
        boolean presence = topic.group(2) != null;
        Replay replay = presence ? Replay.NONE : replayOf(accessor);
        if (replay == null) {
            return null;
        }
        if (!subscriptions.add(
                sessionId, id, new Target(presence ? Kind.PRESENCE : Kind.MESSAGES, room))) {
            rejectDuplicate(accessor, id);
            return null;
        }
        subscribeRoom(accessor, room, presence, replay);
        return null;
    }

    /**
     * Recorded before the relay adds it, so that a session ending meanwhile undoes it; checked
     * again after, for the session that ended just before.
     */
    private void subscribeRoom(
            StompHeaderAccessor accessor, String room, boolean presence, Replay replay) {
        String sessionId = accessor.getSessionId();
        String id = accessor.getSubscriptionId();
        boolean added;
        try {
            added =
                    presence
                            ? relay.subscribePresence(room, sessionId, id, accessor.getReceipt())
                            : relay.subscribeMessages(
                                    room,
                                    sessionId,
                                    id,
                                    accessor.getUser().getName(),
                                    replay,
                                    accessor.getReceipt());
        } catch (RoomUnavailableException e) {
            subscriptions.remove(sessionId, id);
            reject(accessor, ErrorCodes.UNAVAILABLE, "room unavailable, retry the subscription");
            return;
        }
        if (!added) {
            subscriptions.remove(sessionId, id);
        } else if (!subscriptions.contains(sessionId, id)) {
            relay.unsubscribe(room, sessionId, id);
        }
    }

    private void unsubscribe(String sessionId, String subscriptionId) {
        if (subscriptionId == null) {
            return;
        }
        Target target = subscriptions.remove(sessionId, subscriptionId);
        if (target != null) {
            undo(sessionId, subscriptionId, target);
        }
    }

    /** A closed or disconnected session leaves all its rooms (and their presence). */
    @EventListener
    void onDisconnect(SessionDisconnectEvent event) {
        String sessionId = event.getSessionId();
        for (Map.Entry<String, Target> sub : subscriptions.removeSession(sessionId).entrySet()) {
            undo(sessionId, sub.getKey(), sub.getValue());
        }
    }

    private void undo(String sessionId, String subscriptionId, Target target) {
        if (target.kind() == Kind.QUEUE) {
            frames.ackUnsubscribed(sessionId, subscriptionId);
        } else {
            relay.unsubscribe(target.room(), sessionId, subscriptionId);
        }
    }

    private Replay replayOf(StompHeaderAccessor accessor) {
        String resumeAfter = accessor.getFirstNativeHeader(ChatRules.RESUME_AFTER_HEADER);
        String history = accessor.getFirstNativeHeader(ChatRules.HISTORY_HEADER);
        try {
            if (resumeAfter != null) {
                long after = Long.parseLong(resumeAfter.trim());
                if (after < 0) {
                    throw new NumberFormatException();
                }
                return new Replay(0, after);
            }
            if (history != null) {
                int count = Integer.parseInt(history.trim());
                if (count < 0 || count > ChatRules.HISTORY_MAX) {
                    throw new NumberFormatException();
                }
                return new Replay(count, null);
            }
            return Replay.NONE;
        } catch (NumberFormatException e) {
            reject(
                    accessor,
                    ChatAppErrorCodes.BAD_HEADER,
                    "history must be 0.." + ChatRules.HISTORY_MAX + " and resume-after a seq >= 0");
            return null;
        }
    }

    private void rejectDuplicate(StompHeaderAccessor accessor, String id) {
        reject(
                accessor,
                ChatAppErrorCodes.DUPLICATE_SUBSCRIPTION_ID,
                "subscription id '" + id + "' is already in use in this session");
    }

    private void reject(StompHeaderAccessor accessor, String code, String text) {
        Principal user = accessor.getUser();
        frames.userError(accessor.getSessionId(), user.getName(), new ChatError(code, text, null));
    }
}
