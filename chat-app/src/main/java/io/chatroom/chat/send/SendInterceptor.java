package io.chatroom.chat.send;

import io.chatroom.chat.ChatAppErrorCodes;
import io.chatroom.chat.ChatException;
import io.chatroom.chat.room.RoomLog;
import io.chatroom.chat.stomp.FrameWriter;
import io.chatroom.common.ChatError;
import io.chatroom.common.ChatRules;
import io.chatroom.common.ErrorCodes;
import io.chatroom.common.SendAck;
import io.chatroom.common.SendRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code SEND /app/rooms/{room}}: validate, append to the room's log, ack the sender, all without a
 * thread hand-off or a thread waiting for Redis. It runs where the frame arrives, as the last
 * inbound interceptor, and takes the frame out of Spring's pipeline: annotation dispatch would add
 * three executor tasks per SEND (one per subscriber of the inbound channel) and hold one of them
 * for the Redis round trip.
 *
 * <p>The append is asynchronous; a session's SENDs are appended one after another (each starts when
 * the one before it finished), so their seqs increase in the order the client sent them, while many
 * sessions' appends share the Redis connection. The ack is written straight to the sender's acks
 * subscription; refusals go to its errors queue. Storing and acking happen inside the {@link
 * SendGate}, so a graceful stop never closes a session between the two.
 */
@Component
public class SendInterceptor implements ChannelInterceptor {
    private static final Logger log = LoggerFactory.getLogger(SendInterceptor.class);
    private static final String ROOMS_PREFIX = "/app/rooms/";

    /** Session attribute holding the session's chain of appends. */
    private static final String CHAIN = SendInterceptor.class.getName() + ".chain";

    private final RoomLog roomLog;
    private final SendRateLimiter rateLimiter;
    private final SendGate gate;
    private final FrameWriter frames;
    private final JsonMapper json;
    private final Counter published;

    SendInterceptor(
            RoomLog roomLog,
            SendRateLimiter rateLimiter,
            SendGate gate,
            FrameWriter frames,
            JsonMapper json,
            MeterRegistry meters) {
        this.roomLog = roomLog;
        this.rateLimiter = rateLimiter;
        this.gate = gate;
        this.frames = frames;
        this.json = json;
        this.published =
                Counter.builder("chatroom.messages.published")
                        .description("messages appended to a room by this server")
                        .register(meters);
    }

    @Override
    public Message<?> preSend(Message<?> message, MessageChannel channel) {
        StompHeaderAccessor accessor =
                MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
        if (accessor == null
                || accessor.getCommand() != StompCommand.SEND
                || accessor.getUser() == null) {
            return message;
        }
        String sessionId = accessor.getSessionId();
        String user = accessor.getUser().getName();
        try {
            Send send = parse(accessor.getDestination(), (byte[]) message.getPayload(), user);
            log.debug("SEND to room {}", send.room());
            submit(send, sessionId, accessor.getSessionAttributes());
        } catch (ChatException e) {
            refuse(sessionId, user, e);
        } catch (RuntimeException e) {
            log.error("SEND failed", e);
            frames.userError(
                    sessionId, user, new ChatError(ErrorCodes.INTERNAL, "internal error", null));
        }
        // Handled here: Spring's handlers never see a SEND.
        return null;
    }

    /** A SEND that passed validation. */
    private record Send(String room, String user, String clientMessageId, String text) {}

    private Send parse(String destination, byte[] body, String user) {
        if (destination == null || !destination.startsWith(ROOMS_PREFIX)) {
            throw new ChatException(
                    ChatAppErrorCodes.BAD_DESTINATION, "send to /app/rooms/{room}", null);
        }
        SendRequest request = request(body);
        String clientMessageId = request.clientMessageId();
        String room = destination.substring(ROOMS_PREFIX.length());
        if (!ChatRules.isValidRoom(room)) {
            throw new ChatException(
                    ErrorCodes.BAD_ROOM,
                    "room must match " + ChatRules.ROOM.pattern(),
                    clientMessageId);
        }
        if (!ChatRules.isValidClientMessageId(clientMessageId)) {
            throw new ChatException(
                    ErrorCodes.BAD_CLIENT_MESSAGE_ID,
                    "clientMessageId must be 1.."
                            + ChatRules.CLIENT_MESSAGE_ID_MAX
                            + " of [A-Za-z0-9_-] (a UUID)",
                    null);
        }
        String text = ChatRules.storedText(request.text());
        if (text == null) {
            throw new ChatException(
                    ErrorCodes.BAD_TEXT,
                    "text must have 1.." + ChatRules.TEXT_MAX + " characters after trimming",
                    clientMessageId);
        }
        if (!rateLimiter.tryAcquire(user)) {
            throw new ChatException(
                    ErrorCodes.RATE_LIMITED, "too many messages, slow down", clientMessageId);
        }
        return new Send(room, user, clientMessageId, text);
    }

    private SendRequest request(byte[] body) {
        try {
            SendRequest request = json.readValue(body, SendRequest.class);
            if (request == null) {
                throw new ChatException(ErrorCodes.BAD_JSON, "body must be a JSON object", null);
            }
            return request;
        } catch (JacksonException e) {
            throw new ChatException(
                    ErrorCodes.BAD_JSON,
                    "body must be {\"clientMessageId\":\"<uuid>\",\"text\":\"...\"}",
                    null);
        }
    }

    private void submit(Send send, String sessionId, Map<String, Object> sessionAttributes) {
        if (!gate.enter()) {
            throw new ChatException(
                    ErrorCodes.UNAVAILABLE,
                    "server is shutting down, reconnect",
                    send.clientMessageId());
        }
        try {
            AppendChain chain =
                    sessionAttributes == null
                            ? new AppendChain()
                            : (AppendChain)
                                    sessionAttributes.computeIfAbsent(
                                            CHAIN, k -> new AppendChain());
            chain.<RoomLog.Appended>then(
                            () ->
                                    roomLog.append(
                                            send.room(),
                                            send.user(),
                                            send.clientMessageId(),
                                            send.text()))
                    .whenComplete(
                            (appended, failure) -> finish(send, sessionId, appended, failure));
        } catch (RuntimeException e) {
            gate.leave();
            throw e;
        }
    }

    private void finish(Send send, String sessionId, RoomLog.Appended appended, Throwable failure) {
        try {
            if (failure == null) {
                if (!appended.retry()) {
                    published.increment();
                }
                frames.ack(sessionId, new SendAck(send.clientMessageId(), appended.seq()).toJson());
            } else if (unwrap(failure) instanceof ChatException refused) {
                refuse(sessionId, send.user(), refused);
            } else {
                log.error("SEND to room {} failed", send.room(), unwrap(failure));
                frames.userError(
                        sessionId,
                        send.user(),
                        new ChatError(
                                ErrorCodes.INTERNAL, "internal error", send.clientMessageId()));
            }
        } finally {
            gate.leave();
        }
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
    }

    private void refuse(String sessionId, String user, ChatException e) {
        frames.userError(
                sessionId, user, new ChatError(e.code(), e.getMessage(), e.clientMessageId()));
    }

    /**
     * One session's appends, one after another: each starts when the previous one has finished,
     * however it ended, so the session's seqs follow the order of its SENDs.
     */
    static final class AppendChain {
        private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

        synchronized <T> CompletableFuture<T> then(Supplier<CompletableFuture<T>> next) {
            CompletableFuture<T> result =
                    tail.handle((ignored, failure) -> null).thenCompose(ignored -> next.get());
            tail = result;
            return result;
        }
    }
}
