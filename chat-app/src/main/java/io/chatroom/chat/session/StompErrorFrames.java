package io.chatroom.chat.session;

import java.nio.charset.StandardCharsets;
import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.stereotype.Component;
import org.springframework.util.MimeTypeUtils;
import org.springframework.web.socket.messaging.StompSubProtocolErrorHandler;

/**
 * The ERROR frame sent before a session is closed (refused CONNECT, oversized or malformed frame):
 * header {@code message} names the reason in a few words, never internals or the token.
 */
@Component
class StompErrorFrames extends StompSubProtocolErrorHandler {
    static final String UNAUTHORIZED = "unauthorized";
    static final String PROTOCOL_ERROR = "protocol_error";

    @Override
    public Message<byte[]> handleClientMessageProcessingError(
            Message<byte[]> clientMessage, Throwable ex) {
        ConnectRefusedException refused = find(ex);
        if (refused != null) {
            return error(UNAUTHORIZED, refused.getMessage());
        }
        return error(PROTOCOL_ERROR, "the frame could not be processed");
    }

    private static ConnectRefusedException find(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof ConnectRefusedException refused) {
                return refused;
            }
        }
        return null;
    }

    private static Message<byte[]> error(String code, String detail) {
        StompHeaderAccessor accessor = StompHeaderAccessor.create(StompCommand.ERROR);
        accessor.setMessage(code);
        accessor.setContentType(MimeTypeUtils.TEXT_PLAIN);
        accessor.setLeaveMutable(true);
        return MessageBuilder.createMessage(
                detail.getBytes(StandardCharsets.UTF_8), accessor.getMessageHeaders());
    }
}
