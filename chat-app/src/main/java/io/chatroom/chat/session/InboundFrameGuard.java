package io.chatroom.chat.session;

import io.chatroom.chat.ChatAppErrorCodes;
import io.chatroom.chat.stomp.FrameWriter;
import io.chatroom.common.ChatError;
import io.chatroom.common.ErrorCodes;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.stereotype.Component;

/**
 * Checks every inbound STOMP frame before Spring routes it: CONNECT must carry a valid token, and
 * nothing else is accepted before it; SEND goes only to {@code /app/...}. Runs on the session's
 * receiving thread, in frame order, before subscriptions are routed.
 */
@Component
public class InboundFrameGuard implements ChannelInterceptor {
    private static final String APP_PREFIX = "/app/";
    private static final String AUTHORIZATION = "Authorization";

    private final TokenVerifier tokens;
    private final SessionRegistry sessions;
    private final FrameWriter frames;
    private final StoreCutOffSessions cutOff;

    InboundFrameGuard(
            TokenVerifier tokens,
            SessionRegistry sessions,
            FrameWriter frames,
            StoreCutOffSessions cutOff) {
        this.frames = frames;
        this.cutOff = cutOff;
        this.tokens = tokens;
        this.sessions = sessions;
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
                sessions.connectSeen(accessor.getSessionId());
                if (cutOff.refusesConnects()) {
                    // Before the token check: that needs Redis too, and "unauthorized" would send
                    // the client to log in again instead of to another server.
                    frames.error(
                            accessor.getSessionId(),
                            ErrorCodes.UNAVAILABLE,
                            StoreCutOffSessions.DETAIL);
                    return null;
                }
                ChatPrincipal principal =
                        tokens.verify(accessor.getFirstNativeHeader(AUTHORIZATION));
                accessor.setUser(principal);
                sessions.authenticated(accessor.getSessionId(), principal);
                return message;
            }
            case SEND -> {
                requireUser(accessor);
                String destination = accessor.getDestination();
                if (destination == null || !destination.startsWith(APP_PREFIX)) {
                    frames.userError(
                            accessor.getSessionId(),
                            accessor.getUser().getName(),
                            new ChatError(
                                    ChatAppErrorCodes.BAD_DESTINATION,
                                    "SEND only to /app/rooms/{room}",
                                    null));
                    return null;
                }
                return message;
            }
            case SUBSCRIBE, UNSUBSCRIBE -> {
                requireUser(accessor);
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
}
