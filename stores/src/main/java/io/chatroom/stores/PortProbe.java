package io.chatroom.stores;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** Tells whether something accepts TCP connections on a port. */
@FunctionalInterface
public interface PortProbe {
    Duration CONNECT_TIMEOUT = Duration.ofMillis(300);

    boolean answers(String host, int port);

    /** The real network. */
    static PortProbe tcp() {
        return (host, port) -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
                return true;
            } catch (IOException e) {
                return false;
            }
        };
    }
}
