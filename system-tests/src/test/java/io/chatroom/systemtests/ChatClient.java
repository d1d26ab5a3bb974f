package io.chatroom.systemtests;

import io.chatroom.common.ChatError;
import io.chatroom.common.ChatMessage;
import io.chatroom.common.ChatServerInfo;
import io.chatroom.common.SendAck;
import io.chatroom.common.SendRequest;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.web.socket.WebSocketHttpHeaders;
import tools.jackson.databind.JsonNode;

/**
 * A chat user as a well-behaved client would implement it: logs in at a coordinator, connects to
 * its assigned chat server, subscribes with {@code resume-after}, sends with a {@code
 * clientMessageId}, and after losing its server fails over through {@code GET
 * /api/chat-server?exclude=}, resumes every room after the last seq it saw and re-sends every
 * unacked message with the same id. It records every frame it receives, so a {@link Checker} can
 * count what went wrong.
 */
final class ChatClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChatClient.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration FAILOVER_DEADLINE = Duration.ofSeconds(120);
    private static final long FAILOVER_BACKOFF_MILLIS = 250;
    private static final Duration LOGIN_PATIENCE = Duration.ofSeconds(60);
    private static final ExecutorService FAILOVERS =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread t = new Thread(r, "failover");
                        t.setDaemon(true);
                        return t;
                    });

    /** A message this client sent, acked or not. */
    static final class Sent {
        final String room;
        final String clientMessageId;
        final String text;
        final long firstSentNanos;
        volatile long lastSentNanos;
        volatile long seq = -1;

        Sent(String room, String clientMessageId, String text) {
            this.room = room;
            this.clientMessageId = clientMessageId;
            this.text = text;
            this.firstSentNanos = System.nanoTime();
            this.lastSentNanos = firstSentNanos;
        }
    }

    /** A frame as received, with the local time it arrived. */
    record Received(ChatMessage message, long receivedNanos) {}

    /** A presence frame of a room as received: its users, with the local time it arrived. */
    record PresenceFrame(List<String> users, long receivedNanos) {}

    private final List<String> coordinatorUrls;
    private final String username;
    private final String password;
    private final Map<String, Sent> sent = new ConcurrentHashMap<>();
    private final Map<String, Sent> unacked = new ConcurrentHashMap<>();
    private final Map<String, List<Received>> frames = new ConcurrentHashMap<>();
    private final Map<String, Long> lastSeq = new ConcurrentHashMap<>();
    private final Set<String> rooms = new CopyOnWriteArraySet<>();
    private final Map<String, List<PresenceFrame>> presence = new ConcurrentHashMap<>();
    private final List<ChatError> errors = Collections.synchronizedList(new ArrayList<>());
    private final List<String> errorFrames = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger failovers = new AtomicInteger();
    private final AtomicInteger disconnects = new AtomicInteger();
    private final AtomicBoolean failingOver = new AtomicBoolean();
    private final Object sendLock = new Object();
    private volatile String token;
    private volatile ChatServerInfo server;
    private volatile ChatServerInfo assigned;
    private volatile StompSession session;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile boolean autoFailover = true;
    private volatile long lastDisconnectNanos;
    private volatile Consumer<Received> onMessage = r -> {};
    private volatile Consumer<Sent> onAck = s -> {};

    ChatClient(List<String> coordinatorUrls, String username, String password) {
        this.coordinatorUrls = List.copyOf(coordinatorUrls);
        this.username = username;
        this.password = password;
    }

    /** A new user with a random name and password, registered at the first coordinator up. */
    static ChatClient registerNew(List<String> coordinatorUrls, String namePrefix)
            throws IOException {
        String username = namePrefix + UUID.randomUUID().toString().substring(0, 8);
        ChatClient client = new ChatClient(coordinatorUrls, username, UUID.randomUUID().toString());
        client.register();
        return client;
    }

    /** Another session of the same user (same credentials). */
    ChatClient sameUser() {
        return new ChatClient(coordinatorUrls, username, password);
    }

    void register() throws IOException {
        IOException last = null;
        for (String url : coordinatorUrls) {
            try {
                Rest.Response response =
                        Rest.postJson(
                                url + "/api/auth/register",
                                Map.of("username", username, "password", password),
                                Map.of());
                if (response.status() == 201 || response.status() == 409) {
                    return;
                }
                last = new IOException("register " + username + ": " + response);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    /**
     * Logs in at the first coordinator that answers; returns the assigned chat server. A
     * coordinator that is busy hashing passwords answers 503 with Retry-After: like a real client,
     * wait that long and try again (for up to {@link #LOGIN_PATIENCE}), as happens in a reconnect
     * storm on a loaded machine.
     */
    ChatServerInfo login() throws IOException {
        long deadline = System.nanoTime() + LOGIN_PATIENCE.toNanos();
        while (true) {
            IOException last = null;
            long retryAfterSeconds = -1;
            for (String url : coordinatorUrls) {
                try {
                    Rest.Response response =
                            Rest.postJson(
                                    url + "/api/auth/login",
                                    Map.of("username", username, "password", password),
                                    Map.of());
                    if (response.status() == 200) {
                        JsonNode body = response.json();
                        token = body.get("token").asString();
                        assigned = serverInfo(body.get("chatServer"));
                        return assigned;
                    }
                    if (response.status() == 503 && response.header("Retry-After") != null) {
                        retryAfterSeconds = parseSeconds(response.header("Retry-After"));
                    }
                    last = new IOException("login " + username + " at " + url + ": " + response);
                } catch (IOException e) {
                    last = e;
                }
            }
            long wait = TimeUnit.SECONDS.toNanos(Math.max(1, retryAfterSeconds));
            if (retryAfterSeconds < 0 || System.nanoTime() + wait > deadline) {
                throw last;
            }
            LockSupport.parkNanos(wait); // the server's Retry-After, not a guess
        }
    }

    private static long parseSeconds(String retryAfter) {
        try {
            return Long.parseLong(retryAfter.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** Logs in and connects to the assigned chat server. */
    ChatClient loginAndConnect() throws IOException {
        connect(login());
        return this;
    }

    /** Connects to one chat server and (re)subscribes every room this client is in. */
    void connect(ChatServerInfo target) throws IOException {
        int gen = generation.incrementAndGet();
        WebSocketHttpHeaders handshake = new WebSocketHttpHeaders();
        handshake.setOrigin(Cluster.ALLOWED_ORIGIN);
        StompHeaders connectHeaders = new StompHeaders();
        connectHeaders.set("Authorization", "Bearer " + token);
        StompSession newSession;
        try {
            newSession =
                    StompClients.shared()
                            .connectAsync(
                                    target.wsUrl(),
                                    handshake,
                                    connectHeaders,
                                    new SessionHandler(gen))
                            .get(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("connect " + username + " to " + target.id(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted", e);
        }
        session = newSession;
        server = target;
        newSession.subscribe("/user/queue/acks", new JsonHandler(this::onAckFrame));
        newSession.subscribe("/user/queue/errors", new JsonHandler(this::onErrorFrame));
        for (String room : rooms) {
            subscribe(newSession, room);
        }
        for (String room : presence.keySet()) {
            subscribePresence(newSession, room);
        }
        connected = gen == generation.get() && newSession.isConnected();
        if (!connected) {
            throw new IOException("connection to " + target.id() + " lost while subscribing");
        }
        resendUnacked(Duration.ZERO);
    }

    /** Joins a room: subscribes now (or on the next connect) with {@code resume-after}. */
    void join(String room) {
        if (rooms.add(room)) {
            frames.putIfAbsent(room, Collections.synchronizedList(new ArrayList<>()));
            StompSession current = session;
            if (connected && current != null) {
                subscribe(current, room);
            }
        }
    }

    private void subscribe(StompSession target, String room) {
        StompHeaders headers = new StompHeaders();
        headers.setDestination("/topic/rooms/" + room);
        headers.set("resume-after", Long.toString(lastSeq.getOrDefault(room, 0L)));
        target.subscribe(headers, new JsonHandler(node -> onRoomFrame(room, node)));
    }

    /**
     * Subscribes to the room's presence topic (now, and again on every later connect) and records
     * every frame; see {@link #presence(String)}.
     */
    void watchPresence(String room) {
        if (presence.putIfAbsent(room, Collections.synchronizedList(new ArrayList<>())) == null) {
            StompSession current = session;
            if (connected && current != null) {
                subscribePresence(current, room);
            }
        }
    }

    private void subscribePresence(StompSession target, String room) {
        target.subscribe(
                "/topic/rooms/" + room + "/presence",
                new JsonHandler(
                        node -> {
                            List<String> users = new ArrayList<>();
                            node.get("users").forEach(u -> users.add(u.asString()));
                            presence.get(room).add(new PresenceFrame(users, System.nanoTime()));
                        }));
    }

    /** Sends a new message with a fresh clientMessageId; re-sent until acked. */
    Sent send(String room, String text) {
        Sent message = new Sent(room, UUID.randomUUID().toString(), text);
        sent.put(message.clientMessageId, message);
        unacked.put(message.clientMessageId, message);
        transmit(message);
        return message;
    }

    /** Sends a raw body (for hostile input); not tracked. */
    void sendRaw(String room, String body) {
        StompSession current = session;
        synchronized (sendLock) {
            StompHeaders headers = new StompHeaders();
            headers.setDestination("/app/rooms/" + room);
            headers.setContentType(org.springframework.util.MimeTypeUtils.APPLICATION_JSON);
            current.send(headers, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Re-sends, with the same clientMessageId, every unacked message last sent before maxAge. */
    void resendUnacked(Duration maxAge) {
        long now = System.nanoTime();
        for (Sent message : unacked.values()) {
            if (now - message.lastSentNanos >= maxAge.toNanos()) {
                transmit(message);
            }
        }
    }

    private void transmit(Sent message) {
        StompSession current = session;
        if (!connected || current == null) {
            return; // re-sent after the next connect
        }
        message.lastSentNanos = System.nanoTime();
        byte[] body =
                Rest.JSON.writeValueAsBytes(new SendRequest(message.clientMessageId, message.text));
        StompHeaders headers = new StompHeaders();
        headers.setDestination("/app/rooms/" + message.room);
        headers.setContentType(org.springframework.util.MimeTypeUtils.APPLICATION_JSON);
        synchronized (sendLock) {
            try {
                current.send(headers, body);
            } catch (RuntimeException e) {
                log.debug("{}: send failed, will re-send: {}", username, e.toString());
            }
        }
    }

    private void onAckFrame(JsonNode node) {
        SendAck ack = Rest.JSON.treeToValue(node, SendAck.class);
        Sent message = sent.get(ack.clientMessageId());
        if (message == null) {
            return;
        }
        message.seq = ack.seq();
        if (unacked.remove(ack.clientMessageId()) != null) {
            onAck.accept(message);
        }
    }

    private void onErrorFrame(JsonNode node) {
        errors.add(Rest.JSON.treeToValue(node, ChatError.class));
    }

    private void onRoomFrame(String room, JsonNode node) {
        ChatMessage message = Rest.JSON.treeToValue(node, ChatMessage.class);
        Received received = new Received(message, System.nanoTime());
        frames.computeIfAbsent(room, r -> Collections.synchronizedList(new ArrayList<>()))
                .add(received);
        lastSeq.merge(room, message.seq(), Math::max);
        onMessage.accept(received);
    }

    private void connectionLost(int gen) {
        if (gen != generation.get() || closed) {
            return;
        }
        connected = false;
        lastDisconnectNanos = System.nanoTime();
        disconnects.incrementAndGet();
        if (autoFailover && failingOver.compareAndSet(false, true)) {
            FAILOVERS.execute(this::failover);
        }
    }

    /** Finds another chat server through the coordinators and reconnects there. */
    private void failover() {
        long deadline = System.nanoTime() + FAILOVER_DEADLINE.toNanos();
        String exclude = server == null ? "" : server.id();
        try {
            while (!closed && !connected && System.nanoTime() < deadline) {
                ChatServerInfo next = null;
                try {
                    next = otherServer(exclude);
                    if (next != null) {
                        connect(next);
                        failovers.incrementAndGet();
                        log.debug("{} failed over from {} to {}", username, exclude, next.id());
                        return;
                    }
                } catch (IOException | RuntimeException e) {
                    log.debug("{}: fail-over attempt failed: {}", username, e.toString());
                    connected = false;
                    if (next != null) {
                        exclude = next.id();
                    }
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(FAILOVER_BACKOFF_MILLIS));
            }
        } finally {
            failingOver.set(false);
            // The new connection may have dropped before the flag was cleared.
            if (!closed && !connected && autoFailover && failingOver.compareAndSet(false, true)) {
                FAILOVERS.execute(this::failover);
            }
        }
    }

    private ChatServerInfo otherServer(String exclude) throws IOException {
        for (String url : coordinatorUrls) {
            try {
                Rest.Response response =
                        Rest.get(
                                url + "/api/chat-server?exclude=" + exclude,
                                Map.of("Authorization", "Bearer " + token));
                if (response.status() == 200) {
                    return serverInfo(response.json());
                }
                if (response.status() == 401) {
                    login();
                    return null;
                }
            } catch (IOException e) {
                log.debug("{}: {} did not answer: {}", username, url, e.toString());
            }
        }
        return null;
    }

    /** Drops the connection without fail-over (as a client whose network blipped). */
    void dropConnection() {
        generation.incrementAndGet();
        connected = false;
        StompSession current = session;
        if (current != null && current.isConnected()) {
            try {
                current.disconnect();
            } catch (RuntimeException e) {
                log.debug("{}: disconnect failed: {}", username, e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        dropConnection();
    }

    private static ChatServerInfo serverInfo(JsonNode node) {
        return new ChatServerInfo(
                node.get("id").asString(),
                node.get("httpUrl").asString(),
                node.get("wsUrl").asString());
    }

    String username() {
        return username;
    }

    String token() {
        return token;
    }

    ChatServerInfo server() {
        return server;
    }

    ChatServerInfo assigned() {
        return assigned;
    }

    boolean isConnected() {
        return connected;
    }

    int failovers() {
        return failovers.get();
    }

    int disconnects() {
        return disconnects.get();
    }

    long lastDisconnectNanos() {
        return lastDisconnectNanos;
    }

    Set<String> rooms() {
        return rooms;
    }

    Map<String, Sent> sent() {
        return sent;
    }

    int unackedCount() {
        return unacked.size();
    }

    List<Received> frames(String room) {
        List<Received> list = frames.getOrDefault(room, List.of());
        synchronized (list) {
            return new ArrayList<>(list);
        }
    }

    /** The presence frames of a room received so far, oldest first. */
    List<PresenceFrame> presence(String room) {
        List<PresenceFrame> list = presence.getOrDefault(room, List.of());
        synchronized (list) {
            return new ArrayList<>(list);
        }
    }

    int frameCount(String room) {
        return frames.getOrDefault(room, List.of()).size();
    }

    List<ChatError> errors() {
        synchronized (errors) {
            return new ArrayList<>(errors);
        }
    }

    List<String> errorFrames() {
        synchronized (errorFrames) {
            return new ArrayList<>(errorFrames);
        }
    }

    void onMessage(Consumer<Received> listener) {
        onMessage = listener;
    }

    void onAck(Consumer<Sent> listener) {
        onAck = listener;
    }

    void autoFailover(boolean enabled) {
        autoFailover = enabled;
    }

    /** Turns every STOMP frame on one subscription into a JSON tree. */
    private static final class JsonHandler implements StompFrameHandler {
        private final Consumer<JsonNode> consumer;

        JsonHandler(Consumer<JsonNode> consumer) {
            this.consumer = consumer;
        }

        @Override
        public Type getPayloadType(StompHeaders headers) {
            return byte[].class;
        }

        @Override
        public void handleFrame(StompHeaders headers, Object payload) {
            try {
                consumer.accept(Rest.JSON.readTree((byte[]) payload));
            } catch (RuntimeException e) {
                log.warn("Unreadable frame on {}: {}", headers.getDestination(), e.toString());
            }
        }
    }

    /** Notices a lost connection (and STOMP ERROR frames) for one connection generation. */
    private final class SessionHandler extends StompSessionHandlerAdapter {
        private final int gen;

        SessionHandler(int gen) {
            this.gen = gen;
        }

        @Override
        public Type getPayloadType(StompHeaders headers) {
            return byte[].class;
        }

        @Override
        public void handleFrame(StompHeaders headers, Object payload) {
            String body =
                    payload instanceof byte[] bytes
                            ? new String(bytes, StandardCharsets.UTF_8)
                            : "";
            errorFrames.add(headers.getFirst("message") + " " + body);
        }

        @Override
        public void handleException(
                StompSession s,
                StompCommand command,
                StompHeaders headers,
                byte[] payload,
                Throwable exception) {
            log.warn("{}: frame handling failed: {}", username, exception.toString());
        }

        @Override
        public void handleTransportError(StompSession s, Throwable exception) {
            connectionLost(gen);
        }
    }
}
