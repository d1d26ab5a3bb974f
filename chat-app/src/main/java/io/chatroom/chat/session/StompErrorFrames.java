package io.chatroom.chat.session;

import io.chatroom.chat.stomp.StompFrames;
import org.springframework.messaging.Message;
import org.springframework.stereotype.Component;
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
        return StompFrames.error(null, code, detail);
    }
}
