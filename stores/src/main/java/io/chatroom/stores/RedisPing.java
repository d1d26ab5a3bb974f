package io.chatroom.stores;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Tells whether a Redis answers PONG (it refuses commands while it loads its append-only file): the
 * readiness check of everyone who starts {@code redis-server} processes.
 */
public final class RedisPing {
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    private static final String PONG = "+PONG";

    private RedisPing() {}

    public static boolean pong(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) TIMEOUT.toMillis());
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(PONG.length());
            return PONG.equals(new String(reply, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return false;
        }
    }
}
