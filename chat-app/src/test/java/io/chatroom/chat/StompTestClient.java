package io.chatroom.chat;

import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatError;
import io.chatroom.common.SendAck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import tools.jackson.databind.json.JsonMapper;

/**
 * A minimal STOMP 1.2 client over the JDK's WebSocket, for tests that need what a higher-level
 * client hides: raw ERROR frames, close codes, oversized frames, custom headers.
 */
final class StompTestClient implements WebSocket.Listener {
    static final Duration WAIT = Duration.ofSeconds(15);

    /** One STOMP frame as received. */
    record Frame(String command, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    private final StringBuilder partial = new StringBuilder();
    private final AtomicInteger binaryMessages = new AtomicInteger();
    private final Map<String, BlockingQueue<Frame>> bySubscription = new ConcurrentHashMap<>();
    private final BlockingQueue<Frame> control = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private WebSocket socket;

    static StompTestClient open(String wsUrl, String origin) {
        StompTestClient client = new StompTestClient();
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        if (origin != null) {
            builder.header("Origin", origin);
        }
        client.socket = builder.buildAsync(URI.create(wsUrl), client).join();
        return client;
    }

    /** CONNECTs and returns the server's answer: CONNECTED or ERROR. */
    Frame connect(String token) {
        return connect(token, "0,0");
    }

    /** CONNECTs asking for the given heart-beats ("cx,cy") and returns the server's answer. */
    Frame connect(String token, String heartBeat) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("accept-version", "1.2");
        headers.put("host", "localhost");
        headers.put("heart-beat", heartBeat);
        if (token != null) {
            headers.put("Authorization", "Bearer " + token);
        }
        sendFrame("CONNECT", headers, "");
        return nextControl();
    }

    /** Connects with a token and subscribes to the user's acks and errors queues. */
    static StompTestClient connected(String wsUrl, String token) {
        StompTestClient client = open(wsUrl, null);
        Frame answer = client.connect(token);
        if (!"CONNECTED".equals(answer.command())) {
            throw new IllegalStateException("not connected: " + answer);
        }
        client.subscribe("acks", "/user/queue/acks", Map.of());
        client.subscribe("errors", "/user/queue/errors", Map.of());
        return client;
    }

    void subscribe(String id, String destination, Map<String, String> extra) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("id", id);
        headers.put("destination", destination);
        headers.putAll(extra);
        sendFrame("SUBSCRIBE", headers, "");
    }

    /** Subscribes and waits for the RECEIPT, sent once the subscription is live. */
    void subscribeAndWait(String id, String destination, Map<String, String> extra) {
        Map<String, String> headers = new LinkedHashMap<>(extra);
        headers.put("receipt", "r-" + id);
        subscribe(id, destination, headers);
        Frame receipt = nextControl();
        if (!"RECEIPT".equals(receipt.command())) {
            throw new IllegalStateException("expected RECEIPT, got " + receipt);
        }
    }

    void unsubscribe(String id) {
        sendFrame("UNSUBSCRIBE", Map.of("id", id), "");
    }

    void send(String destination, String body) {
        sendFrame(
                "SEND",
                Map.of("destination", destination, "content-type", "application/json"),
                body);
    }

    /** Sends text as one WebSocket message, e.g. several STOMP frames at once. */
    void sendRaw(String text) {
        synchronized (this) {
            socket.sendText(text, true).join();
        }
    }

    void sendFrame(String command, Map<String, String> headers, String body) {
        StringBuilder frame = new StringBuilder(command).append('\n');
        headers.forEach((k, v) -> frame.append(k).append(':').append(v).append('\n'));
        frame.append('\n').append(body).append('\u0000');
        synchronized (this) {
            socket.sendText(frame, true).join();
        }
    }

    BlockingQueue<Frame> frames(String subscriptionId) {
        return bySubscription.computeIfAbsent(subscriptionId, id -> new LinkedBlockingQueue<>());
    }

    Frame next(String subscriptionId) {
        return poll(frames(subscriptionId), subscriptionId);
    }

    /**
     * Sends until acked, as a client retrying with the same clientMessageId would: each attempt
     * ends with an ack, or with an error that goes to {@code refused} before the next attempt.
     */
    SendAck sendUntilAcked(
            String destination, String body, Duration atMost, Consumer<ChatError> refused) {
        JsonMapper json = JsonMapper.builder().build();
        Duration poll = Duration.ofMillis(200);
        return await().atMost(atMost)
                .pollInterval(poll)
                .until(
                        () -> {
                            send(destination, body);
                            while (true) {
                                Frame ack =
                                        frames("acks").poll(poll.toMillis(), TimeUnit.MILLISECONDS);
                                if (ack != null) {
                                    return json.readValue(ack.body(), SendAck.class);
                                }
                                Frame error = frames("errors").poll();
                                if (error != null) {
                                    refused.accept(json.readValue(error.body(), ChatError.class));
                                    return null;
                                }
                            }
                        },
                        ack -> ack != null);
    }

    Frame nextControl() {
        return nextControl(WAIT);
    }

    /** For a receipt behind much work, e.g. hundreds of subscriptions on a loaded machine. */
    Frame nextControl(Duration wait) {
        return poll(control, "control", wait);
    }

    private static Frame poll(BlockingQueue<Frame> queue, String what) {
        return poll(queue, what, WAIT);
    }

    private static Frame poll(BlockingQueue<Frame> queue, String what, Duration wait) {
        try {
            Frame frame = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("no frame on " + what + " within " + wait);
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            for (String raw : text.split("\u0000")) {
                String trimmed = raw.stripLeading();
                if (!trimmed.isEmpty()) {
                    dispatch(parse(trimmed));
                }
            }
        }
        webSocket.request(1);
        return null;
    }

    private void dispatch(Frame frame) {
        String subscription = frame.header("subscription");
        if ("MESSAGE".equals(frame.command()) && subscription != null) {
            frames(subscription).add(frame);
        } else {
            control.add(frame);
        }
    }

    private static Frame parse(String raw) {
        int headerEnd = raw.indexOf("\n\n");
        String head = headerEnd < 0 ? raw : raw.substring(0, headerEnd);
        String body = headerEnd < 0 ? "" : raw.substring(headerEnd + 2);
        String[] lines = head.split("\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(lines[i].substring(0, colon), lines[i].substring(colon + 1));
            }
        }
        return new Frame(lines[0].trim(), headers, body);
    }

    /** The server sends text messages only; a binary one is counted here, and dropped. */
    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        binaryMessages.incrementAndGet();
        webSocket.request(1);
        return null;
    }

    int binaryMessages() {
        return binaryMessages.get();
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(-1);
    }
}
