package org.apache.tomcat.websocket;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Sends a text message that the caller has already encoded to UTF-8, through Tomcat's own frame
 * writer. Tomcat's {@code sendText(String, SendHandler)} wraps the String in a {@code CharBuffer},
 * which has no backing array, so its encoder takes the per-character path: a fifth of a socket
 * writer's CPU in a profile of many small rooms. The caller encodes with {@link String#getBytes}
 * (memory-copy speed) or hands over a room message's frame encoded once for many sessions, and the
 * payload is written as it is, without a copy into Tomcat's output buffer. The frame on the wire is
 * the same text frame.
 *
 * <p>It lives in Tomcat's package because the method that writes a whole, pre-encoded message is
 * package-private there ({@code WsRemoteEndpointImplBase.startMessage}, also used by Tomcat's own
 * text and binary sends). It skips the endpoint's send-state check, which only guards against two
 * sends overlapping: the caller must never start a send before the previous one completed (the
 * chat-app's session outbox sends one batch at a time). Other containers' endpoints get the
 * standard {@code sendText}.
 */
public final class Utf8TextSend {
    private Utf8TextSend() {}

    /**
     * Sends the first {@code length} bytes of {@code utf8} (valid UTF-8) as one text message;
     * {@code handler} is told when it was written. The array is only read (through a buffer of this
     * send's own), so it may be shared with other sessions' sends.
     */
    public static void send(
            RemoteEndpoint.Async endpoint, byte[] utf8, int length, SendHandler handler) {
        if (endpoint instanceof WsRemoteEndpointAsync tomcat) {
            ByteBuffer payload = ByteBuffer.wrap(utf8, 0, length);
            tomcat.base.startMessage(Constants.OPCODE_TEXT, payload, true, handler);
        } else {
            endpoint.sendText(new String(utf8, 0, length, StandardCharsets.UTF_8), handler);
        }
    }
}
