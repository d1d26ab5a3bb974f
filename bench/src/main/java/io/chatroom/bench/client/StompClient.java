package io.chatroom.bench.client;

import io.chatroom.bench.stomp.StompFrameHandler;
import io.chatroom.bench.stomp.StompFrames;
import io.chatroom.bench.stomp.StompScanner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One STOMP 1.2 session over the JDK's asynchronous WebSocket: no thread of its own, frames are
 * scanned in place and MESSAGE bodies go straight to a {@link MessageSink}. Sends are queued and
 * written one at a time, as {@link WebSocket} requires.
 */
public final class StompClient implements WebSocket.Listener, StompFrameHandler {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final String SUBPROTOCOL = "v12.stomp";

    /** Receives MESSAGE frames; called on a WebSocket thread, one frame at a time per client. */
    public interface MessageSink {
        void onMessage(char subscription, CharSequence frame, int bodyStart, int bodyEnd);
    }

    private final MessageSink sink;
    private final String host;
    private final String token;
    private final CompletableFuture<StompClient> connected = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final Queue<String> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();
    private volatile WebSocket webSocket;
    private volatile String closeReason;

    private StompClient(String host, String token, MessageSink sink) {
        this.host = host;
        this.token = token;
        this.sink = sink;
    }

    /** Opens the WebSocket, sends CONNECT and completes once CONNECTED arrives. */
    public static CompletableFuture<StompClient> connect(
            HttpClient http, URI wsUri, String origin, String token, MessageSink sink) {
        StompClient client = new StompClient(wsUri.getHost(), token, sink);
        WebSocket.Builder builder =
                http.newWebSocketBuilder()
                        .subprotocols(SUBPROTOCOL)
                        .connectTimeout(CONNECT_TIMEOUT);
        if (origin != null && !origin.isBlank()) {
            builder.header("Origin", origin);
        }
        builder.buildAsync(wsUri, client)
                .whenComplete(
                        (ws, error) -> {
                            if (error != null) {
                                client.connected.completeExceptionally(error);
                            }
                        });
        return client.connected;
    }

    public void subscribe(char id, String destination) {
        send(StompFrames.subscribe(id, destination));
    }

    /** Queues a frame; frames leave in the order they were queued. */
    public void send(String frame) {
        outbox.add(frame);
        drain();
    }

    public boolean isOpen() {
        WebSocket ws = webSocket;
        return ws != null && closeReason == null && !ws.isOutputClosed();
    }

    /** Why the connection ended, or null while it is open. */
    public String closeReason() {
        return closeReason;
    }

    /** Sends DISCONNECT and closes the WebSocket; never blocks. */
    public void close() {
        WebSocket ws = webSocket;
        if (ws == null || closeReason != null) {
            return;
        }
        send(StompFrames.disconnect());
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
    }

    private void drain() {
        while (writing.compareAndSet(false, true)) {
            String next = outbox.poll();
            if (next == null) {
                writing.set(false);
                if (outbox.isEmpty()) {
                    return;
                }
                continue;
            }
            CompletableFuture<WebSocket> written = webSocket.sendText(next, true);
            if (written.isDone()) {
                written.exceptionally(this::sendFailed);
                writing.set(false);
                continue;
            }
            written.whenComplete(
                    (ws, error) -> {
                        if (error != null) {
                            sendFailed(error);
                        }
                        writing.set(false);
                        drain();
                    });
            return;
        }
    }

    private WebSocket sendFailed(Throwable error) {
        if (closeReason == null) {
            closeReason = "send failed: " + error;
        }
        outbox.clear();
        return null;
    }

    @Override
    public void onOpen(WebSocket ws) {
        this.webSocket = ws;
        // The listener consumes each message synchronously, so unbounded demand cannot pile up.
        ws.request(Long.MAX_VALUE);
        send(StompFrames.connect(host, token));
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        if (!last) {
            partial.append(data);
            return null;
        }
        if (partial.length() > 0) {
            partial.append(data);
            StompScanner.scan(partial, this);
            partial.setLength(0);
        } else {
            StompScanner.scan(data, this);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        closed("closed by server: " + statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        closed("websocket error: " + error);
    }

    private void closed(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        connected.completeExceptionally(new IllegalStateException(reason));
    }

    @Override
    public void onConnected() {
        connected.complete(this);
    }

    @Override
    public void onMessage(char subscription, CharSequence frame, int bodyStart, int bodyEnd) {
        sink.onMessage(subscription, frame, bodyStart, bodyEnd);
    }

    @Override
    public void onError(String message) {
        closed("STOMP ERROR: " + message);
    }
}
