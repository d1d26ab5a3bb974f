package io.chatroom.systemtests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;

/**
 * A WebSocket client written on a bare socket, for what a stock client will not do: send any Origin
 * or an oversized frame, or connect with a tiny receive buffer and then stop reading.
 */
final class RawWebSocket implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int OPCODE_TEXT = 0x1;
    private static final int OPCODE_CLOSE = 0x8;
    private static final int OPCODE_PING = 0x9;
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;
    private static final int SMALL_LENGTH_MAX = 125;
    private static final int MEDIUM_LENGTH_MAX = 0xFFFF;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final int handshakeStatus;

    private RawWebSocket(Socket socket, int handshakeStatus) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.handshakeStatus = handshakeStatus;
    }

    /**
     * Opens {@code wsUrl} with the given Origin; {@code receiveBuffer} > 0 shrinks the socket's
     * receive buffer (set before connecting so the TCP window stays small).
     */
    static RawWebSocket open(String wsUrl, String origin, int receiveBuffer) throws IOException {
        URI uri = URI.create(wsUrl);
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), CONNECT_TIMEOUT_MILLIS);
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        String request =
                "GET "
                        + uri.getRawPath()
                        + " HTTP/1.1\r\n"
                        + "Host: "
                        + uri.getHost()
                        + ":"
                        + uri.getPort()
                        + "\r\n"
                        + "Upgrade: websocket\r\n"
                        + "Connection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: "
                        + Base64.getEncoder().encodeToString(nonce)
                        + "\r\n"
                        + "Sec-WebSocket-Version: 13\r\n"
                        + "Sec-WebSocket-Protocol: v12.stomp\r\n"
                        + (origin == null ? "" : "Origin: " + origin + "\r\n")
                        + "\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        socket.setSoTimeout(CONNECT_TIMEOUT_MILLIS);
        String statusLine = readHeaders(socket.getInputStream());
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        return new RawWebSocket(socket, status);
    }

    private static String readHeaders(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII).split("\r\n", 2)[0];
    }

    /** The HTTP status of the upgrade: 101 when the server accepted the WebSocket. */
    int handshakeStatus() {
        return handshakeStatus;
    }

    /** STOMP CONNECT, with an Authorization header unless {@code authorization} is null. */
    void stompConnect(String authorization) throws IOException {
        sendText(
                "CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n"
                        + (authorization == null ? "" : "Authorization:" + authorization + "\n")
                        + "\n\0");
    }

    void stompSubscribe(String destination, String id) throws IOException {
        sendText("SUBSCRIBE\nid:" + id + "\ndestination:" + destination + "\n\n\0");
    }

    void stompSend(String destination, String body) throws IOException {
        sendText(
                "SEND\ndestination:"
                        + destination
                        + "\ncontent-type:application/json\n\n"
                        + body
                        + "\0");
    }

    void sendText(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x80 | OPCODE_TEXT);
        if (payload.length <= SMALL_LENGTH_MAX) {
            frame.write(0x80 | payload.length);
        } else if (payload.length <= MEDIUM_LENGTH_MAX) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift) & 0xFF);
            }
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /**
     * The next text message (fragments joined), or null when the server closed the connection (a
     * close frame, EOF or a reset). Throws {@link SocketTimeoutException} if nothing came in time.
     */
    String readText(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        try {
            while (true) {
                int b0 = in.read();
                if (b0 < 0) {
                    return null;
                }
                int b1 = readByte();
                long length = b1 & 0x7F;
                if (length == 126) {
                    length = ((long) readByte() << 8) | readByte();
                } else if (length == 127) {
                    length = 0;
                    for (int i = 0; i < 8; i++) {
                        length = (length << 8) | readByte();
                    }
                }
                byte[] payload = in.readNBytes((int) length);
                int opcode = b0 & 0x0F;
                if (opcode == OPCODE_CLOSE) {
                    return null;
                }
                if (opcode == OPCODE_PING) {
                    continue;
                }
                message.write(payload);
                if ((b0 & 0x80) != 0) {
                    return message.toString(StandardCharsets.UTF_8);
                }
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            return null; // reset by the server
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new IOException("EOF inside a frame");
        }
        return b;
    }

    /** Reads until the server closes the connection; false if it stays open past {@code idle}. */
    boolean drainUntilClosed(Duration idle, Duration total) throws IOException {
        long deadline = System.nanoTime() + total.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (readText(idle) == null) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
