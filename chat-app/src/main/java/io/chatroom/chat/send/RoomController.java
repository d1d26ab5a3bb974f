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
import java.security.Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.DestinationVariable;
import org.springframework.messaging.handler.annotation.MessageExceptionHandler;
import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.annotation.SendToUser;
import org.springframework.stereotype.Controller;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code SEND /app/rooms/{room}}: validate, append to the room's log, ack the sender. The ack is
 * written straight to the sender's acks subscription; refusals go through the broker to its errors
 * queue. Storing and acking happen inside the {@link SendGate}, so a graceful stop never closes a
 * session between the two.
 */
@Controller
class RoomController {
    private static final Logger log = LoggerFactory.getLogger(RoomController.class);

    private final RoomLog roomLog;
    private final SendRateLimiter rateLimiter;
    private final SendGate gate;
    private final FrameWriter frames;
    private final JsonMapper json;
    private final Counter published;

    RoomController(
            RoomLog roomLog,
            SendRateLimiter rateLimiter,
            SendGate gate,
            FrameWriter frames,
            JsonMapper json,
            MeterRegistry meters) {
        this.roomLog = roomLog;
        this.frames = frames;
        this.rateLimiter = rateLimiter;
        this.gate = gate;
        this.json = json;
        this.published =
                Counter.builder("chatroom.messages.published")
                        .description("messages appended to a room by this server")
                        .register(meters);
    }

    @MessageMapping("/rooms/{room}")
    void send(@DestinationVariable String room, Message<byte[]> message, Principal user) {
        SendRequest request = parse(message.getPayload());
        String clientMessageId = request.clientMessageId();
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
        if (!rateLimiter.tryAcquire(user.getName())) {
            throw new ChatException(
                    ErrorCodes.RATE_LIMITED, "too many messages, slow down", clientMessageId);
        }
        if (!gate.enter()) {
            throw new ChatException(
                    ErrorCodes.UNAVAILABLE, "server is shutting down, reconnect", clientMessageId);
        }
        try {
            RoomLog.Appended appended = roomLog.append(room, user.getName(), clientMessageId, text);
            if (!appended.retry()) {
                published.increment();
            }
            frames.ack(
                    SimpMessageHeaderAccessor.getSessionId(message.getHeaders()),
                    json.writeValueAsString(new SendAck(clientMessageId, appended.seq())));
        } finally {
            gate.leave();
        }
    }

    /** Any other SEND destination under /app. */
    @MessageMapping("/**")
    void unknownDestination() {
        throw new ChatException(
                ChatAppErrorCodes.BAD_DESTINATION, "send to /app/rooms/{room}", null);
    }

    private SendRequest parse(byte[] body) {
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

    @MessageExceptionHandler(ChatException.class)
    @SendToUser(destinations = "/queue/errors", broadcast = false)
    ChatError refused(ChatException e) {
        return new ChatError(e.code(), e.getMessage(), e.clientMessageId());
    }

    @MessageExceptionHandler
    @SendToUser(destinations = "/queue/errors", broadcast = false)
    ChatError failed(Exception e) {
        log.error("SEND failed", e);
        return new ChatError(ErrorCodes.INTERNAL, "internal error", null);
    }
}
