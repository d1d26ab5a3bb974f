package io.chatroom.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Asks the operating system for a port nobody listens on. */
final class FreePort {
    private FreePort() {}

    static int find() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code port}, or a free one if it is {@link StoreResolver#ANY_FREE_PORT}. */
    static int orAny(int port) {
        return port == StoreResolver.ANY_FREE_PORT ? find() : port;
    }

    /** Whether nothing listens on the loopback port (a bind succeeds). */
    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new java.net.InetSocketAddress(StoreResolver.LOCALHOST, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
