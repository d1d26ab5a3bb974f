package io.chatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatError;
import io.chatroom.common.ChatMessage;
import io.chatroom.common.ChatRules;
import io.chatroom.common.ErrorCodes;
import io.chatroom.common.Presence;
import io.chatroom.common.RedisKeys;
import io.chatroom.common.SendAck;
import io.chatroom.testsupport.TestInfra;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.reflect.Type;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.messaging.converter.SimpleMessageConverter;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two chat-apps over one Redis, with real STOMP clients on both: order, gaplessness, retries,
 * replay, gap repair, presence, errors, limits and token handling.
 */
class ChatClusterIntegrationTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(20);

    static FakeCoordinator coordinator;
    static TestInfra.Env env;
    static ChatNode nodeA;
    static ChatNode nodeB;
    static Tokens tokens;
    static RedisKeys keys;
    static StringRedisTemplate redis;
    static final List<StompTestClient> clients = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void startCluster() {
        coordinator = new FakeCoordinator();
        env = TestInfra.newEnv();
        // A slow steady rate keeps the rate-limit test meaningful on a loaded machine; every other
        // test sends at most the burst per user.
        Map<String, Object> limits =
                Map.of(
                        "chatroom.rate-limit.messages-per-second",
                        "2",
                        "chatroom.rate-limit.burst",
                        "40");
        nodeA = ChatNode.start(env, "node-a", coordinator.url(), limits);
        nodeB = ChatNode.start(env, "node-b", coordinator.url(), limits);
        tokens = new Tokens(env.authSecret());
        keys = new RedisKeys(env.keyPrefix());
        redis = nodeA.context.getBean(StringRedisTemplate.class);
    }

    @AfterAll
    static void stopCluster() {
        clients.forEach(StompTestClient::close);
        nodeA.close();
        nodeB.close();
        coordinator.close();
    }

    private static StompTestClient client(ChatNode node, String user) {
        StompTestClient client = StompTestClient.connected(node.wsUrl(), tokens.valid(user));
        clients.add(client);
        return client;
    }

    private static String body(String clientMessageId, String text) {
        return JSON.writeValueAsString(Map.of("clientMessageId", clientMessageId, "text", text));
    }

    private static ChatMessage message(StompTestClient.Frame frame) {
        return JSON.readValue(frame.body(), ChatMessage.class);
    }

    private static List<ChatMessage> take(StompTestClient client, String sub, int count) {
        List<ChatMessage> result = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            result.add(message(client.next(sub)));
        }
        return result;
    }

    private static List<Long> seqs(List<ChatMessage> messages) {
        return messages.stream().map(ChatMessage::seq).toList();
    }

    private static List<Long> range(long from, long to) {
        return IntStream.rangeClosed((int) from, (int) to).mapToObj(i -> (long) i).toList();
    }

    private static SendAck ack(StompTestClient client) {
        return JSON.readValue(client.next("acks").body(), SendAck.class);
    }

    private static ChatError error(StompTestClient client) {
        return JSON.readValue(client.next("errors").body(), ChatError.class);
    }

    // ---- ordering and gaplessness across two servers ----

    @Test
    void everySubscriberOnBothServersSeesOneContiguousOrder() throws Exception {
        String room = "order";
        BlockingQueue<ChatMessage> onA = new LinkedBlockingQueue<>();
        BlockingQueue<ChatMessage> onB = new LinkedBlockingQueue<>();
        StompSession sessionA = springClient(nodeA, "watcher-a", room, onA);
        StompSession sessionB = springClient(nodeB, "watcher-b", room, onB);

        int perSender = 30;
        List<StompTestClient> senders =
                List.of(
                        client(nodeA, "sender-1"),
                        client(nodeB, "sender-2"),
                        client(nodeA, "sender-3"));
        String tricky = "  <b>html</b> \"quotes\" \\ tab\t emoji 😀 ü ";
        List<CompletableFuture<Void>> sending = new ArrayList<>();
        for (StompTestClient sender : senders) {
            sending.add(
                    CompletableFuture.runAsync(
                            () -> {
                                for (int i = 0; i < perSender; i++) {
                                    sender.send(
                                            "/app/rooms/" + room,
                                            body(UUID.randomUUID().toString(), tricky + i));
                                }
                            }));
        }
        CompletableFuture.allOf(sending.toArray(CompletableFuture[]::new))
                .get(30, TimeUnit.SECONDS);
        for (StompTestClient sender : senders) {
            List<Long> acked = new ArrayList<>();
            for (int i = 0; i < perSender; i++) {
                acked.add(ack(sender).seq());
            }
            // One client's messages get increasing seqs in the order it sent them.
            assertThat(acked).isSorted();
        }

        int total = perSender * senders.size();
        List<ChatMessage> receivedA = drain(onA, total);
        List<ChatMessage> receivedB = drain(onB, total);
        assertThat(seqs(receivedA)).isEqualTo(range(1, total));
        assertThat(receivedB).isEqualTo(receivedA);
        ChatMessage first = receivedA.get(0);
        assertThat(first.text()).startsWith(tricky);
        assertThat(first.sender()).startsWith("sender-");
        assertThat(first.room()).isEqualTo(room);
        assertThat(first.sentAt()).isBetween(Instant.now().minusSeconds(60), Instant.now());
        assertThat(redis.opsForList().range(keys.archiveQueue(RedisKeys.shardOf(room)), 0, -1))
                .hasSizeGreaterThanOrEqualTo(total);
        sessionA.disconnect();
        sessionB.disconnect();
    }

    private static List<ChatMessage> drain(BlockingQueue<ChatMessage> queue, int count)
            throws InterruptedException {
        List<ChatMessage> result = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ChatMessage next = queue.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(next).as("message %d of %d", i + 1, count).isNotNull();
            result.add(next);
        }
        return result;
    }

    private static StompSession springClient(
            ChatNode node, String user, String room, BlockingQueue<ChatMessage> sink)
            throws Exception {
        // Tomcat's client sizes its whole-message buffer by the property that sizes the server's
        // I/O buffers (set for this JVM by ChatNode, as the jar sets it); the server sends up to
        // 64 K chars in one message, and a browser takes any size.
        WebSocketContainer container = ContainerProvider.getWebSocketContainer();
        container.setDefaultMaxTextMessageBufferSize(64 * 1024);
        WebSocketStompClient stomp =
                new WebSocketStompClient(new StandardWebSocketClient(container));
        stomp.setMessageConverter(new SimpleMessageConverter());
        ThreadPoolTaskScheduler receipts = new ThreadPoolTaskScheduler();
        receipts.initialize();
        stomp.setTaskScheduler(receipts);
        StompHeaders connect = new StompHeaders();
        connect.add("Authorization", "Bearer " + tokens.valid(user));
        StompSession session =
                stomp.connectAsync(
                                node.wsUrl(),
                                new WebSocketHttpHeaders(),
                                connect,
                                new StompSessionHandlerAdapter() {})
                        .get(20, TimeUnit.SECONDS);
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        StompHeaders subscribe = new StompHeaders();
        subscribe.setDestination("/topic/rooms/" + room);
        subscribe.setReceipt("sub-" + user);
        session.setAutoReceipt(false);
        StompSession.Subscription subscription =
                session.subscribe(
                        subscribe,
                        new StompFrameHandler() {
                            @Override
                            public Type getPayloadType(StompHeaders headers) {
                                return byte[].class;
                            }

                            @Override
                            public void handleFrame(StompHeaders headers, Object payload) {
                                sink.add(JSON.readValue((byte[]) payload, ChatMessage.class));
                            }
                        });
        subscription.addReceiptTask(() -> subscribed.complete(null));
        subscribed.get(20, TimeUnit.SECONDS);
        return session;
    }

    // ---- idempotent retries ----

    @Test
    void aRetriedClientMessageIdIsAckedWithTheOriginalSeqAndNotBroadcastTwice() {
        String room = "retry";
        StompTestClient watcher = client(nodeB, "retry-watcher");
        watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        StompTestClient first = client(nodeA, "retrier");
        String id = UUID.randomUUID().toString();
        first.send("/app/rooms/" + room, body(id, "once"));
        SendAck original = ack(first);
        // The retry comes over a new connection to the other server, as after a fail-over.
        StompTestClient second = client(nodeB, "retrier");
        second.send("/app/rooms/" + room, body(id, "once"));
        assertThat(ack(second)).isEqualTo(original);
        second.send("/app/rooms/" + room, body(UUID.randomUUID().toString(), "twice"));
        assertThat(ack(second).seq()).isEqualTo(original.seq() + 1);

        List<ChatMessage> seen = take(watcher, "room", 2);
        assertThat(seen).extracting(ChatMessage::text).containsExactly("once", "twice");
        assertThat(seqs(seen)).containsExactly(original.seq(), original.seq() + 1);
    }

    @Test
    void aLongTextArrivingInPartsComesBackCharacterForCharacter() {
        String room = "long";
        StompTestClient watcher = client(nodeB, "long-watcher");
        watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        StompTestClient sender = client(nodeA, "long-sender");
        // 2,000 code points, 2,666 chars: the frame is larger than the container's receive
        // buffer, so it arrives in parts, and some part boundary falls amid multi-byte
        // characters or between the halves of a surrogate pair's UTF-8 form.
        String text = "a😀ü".repeat(ChatRules.TEXT_MAX / 3) + "é!";
        assertThat(text.codePointCount(0, text.length())).isEqualTo(ChatRules.TEXT_MAX);
        for (int shift = 0; shift < 4; shift++) {
            String shifted =
                    "x".repeat(shift)
                            + text.substring(
                                    0, text.offsetByCodePoints(0, ChatRules.TEXT_MAX - shift));
            sender.send("/app/rooms/" + room, body(UUID.randomUUID().toString(), shifted));
            long seq = ack(sender).seq();
            ChatMessage received = message(watcher.next("room"));
            assertThat(received.seq()).isEqualTo(seq);
            assertThat(received.text()).isEqualTo(shifted);
        }
    }

    // ---- history and resume-after while others send ----

    @Test
    void historyAndResumeAfterAreGaplessWhileOthersSend() throws Exception {
        String room = "replay";
        StompTestClient sender = client(nodeA, "replay-sender");
        int before = 30;
        for (int i = 0; i < before; i++) {
            sender.send("/app/rooms/" + room, body(UUID.randomUUID().toString(), "m" + i));
        }
        for (int i = 0; i < before; i++) {
            ack(sender);
        }
        int during = 30;
        StompTestClient concurrent = client(nodeA, "replay-sender-2");
        CompletableFuture<Void> sending =
                CompletableFuture.runAsync(
                        () -> {
                            for (int i = 0; i < during; i++) {
                                concurrent.send(
                                        "/app/rooms/" + room,
                                        body(UUID.randomUUID().toString(), "live" + i));
                            }
                        });
        StompTestClient history = client(nodeB, "history-reader");
        history.subscribe("room", "/topic/rooms/" + room, Map.of("history", "10"));
        StompTestClient resume = client(nodeB, "resume-reader");
        resume.subscribe("room", "/topic/rooms/" + room, Map.of("resume-after", "5"));
        StompTestClient resumeOnA = client(nodeA, "resume-reader-a");
        resumeOnA.subscribe("room", "/topic/rooms/" + room, Map.of("resume-after", "0"));
        sending.get(30, TimeUnit.SECONDS);
        long last = before + during;

        List<ChatMessage> fromHistory = untilSeq(history, last);
        // At least the 10 messages before the subscription, then everything after it.
        assertThat(fromHistory.size()).isGreaterThanOrEqualTo(10);
        assertContiguous(fromHistory, fromHistory.get(0).seq(), last);

        assertContiguous(untilSeq(resume, last), 6, last);
        assertContiguous(untilSeq(resumeOnA, last), 1, last);
    }

    private static List<ChatMessage> untilSeq(StompTestClient client, long last) {
        List<ChatMessage> result = new ArrayList<>();
        while (result.isEmpty() || result.get(result.size() - 1).seq() < last) {
            result.add(message(client.next("room")));
        }
        return result;
    }

    private static void assertContiguous(List<ChatMessage> messages, long from, long to) {
        assertThat(seqs(messages)).isEqualTo(range(from, to));
    }

    @Test
    void resumeFromBeforeTheWindowSaysWhereTheWindowStarts() {
        String room = "trimmed";
        StompTestClient sender = client(nodeA, "trim-sender");
        for (int i = 0; i < 5; i++) {
            sender.send("/app/rooms/" + room, body(UUID.randomUUID().toString(), "t" + i));
            ack(sender);
        }
        // As if the window had been trimmed: seqs 1..3 are only in the archive now.
        redis.opsForZSet().removeRangeByScore(keys.roomWindow(room), 1, 3);
        StompTestClient reader = client(nodeB, "trim-reader");
        reader.subscribe("room", "/topic/rooms/" + room, Map.of("resume-after", "1"));
        StompTestClient.Frame first = reader.next("room");
        assertThat(message(first).seq()).isEqualTo(4);
        assertThat(first.header("x-window-start")).isEqualTo("4");
        StompTestClient.Frame second = reader.next("room");
        assertThat(message(second).seq()).isEqualTo(5);
        assertThat(second.header("x-window-start")).isNull();
    }

    // ---- gap repair ----

    @Test
    void messagesLostOnPubSubAreRepairedFromTheWindow() {
        String room = "lossy";
        StompTestClient onA = client(nodeA, "lossy-a");
        onA.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        StompTestClient onB = client(nodeB, "lossy-b");
        onB.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        StompTestClient sender = client(nodeA, "lossy-sender");
        sender.send("/app/rooms/" + room, body(UUID.randomUUID().toString(), "first"));
        assertThat(ack(sender).seq()).isEqualTo(1);

        // Seqs 2 and 3 reach the window but their publish is lost; 4 is published normally.
        appendWithoutPublish(room, 2, "lost-2");
        appendWithoutPublish(room, 3, "lost-3");
        sender.send("/app/rooms/" + room, body(UUID.randomUUID().toString(), "after"));
        assertThat(ack(sender).seq()).isEqualTo(4);
        for (StompTestClient client : List.of(onA, onB)) {
            List<ChatMessage> seen = take(client, "room", 4);
            assertThat(seqs(seen)).containsExactly(1L, 2L, 3L, 4L);
            assertThat(seen)
                    .extracting(ChatMessage::text)
                    .containsExactly("first", "lost-2", "lost-3", "after");
        }

        // A lost last message has no successor to reveal the gap: the periodic re-sync finds it.
        appendWithoutPublish(room, 5, "lost-trailing");
        for (StompTestClient client : List.of(onA, onB)) {
            assertThat(message(client.next("room")).seq()).isEqualTo(5);
        }
        double repairs =
                nodeA.context
                        .getBean(io.micrometer.core.instrument.MeterRegistry.class)
                        .counter("chatroom.relay.gap.repairs")
                        .count();
        assertThat(repairs).isPositive();
    }

    /** Like the append script, atomically, but without the PUBLISH: a message lost on pub/sub. */
    private static void appendWithoutPublish(String room, long seq, String text) {
        String json =
                JSON.writeValueAsString(
                        new ChatMessage(
                                UUID.randomUUID().toString(),
                                room,
                                seq,
                                "ghost",
                                text,
                                Instant.now()));
        Long assigned =
                redis.execute(
                        new DefaultRedisScript<>(
                                "local s = redis.call('INCR', KEYS[1]) "
                                        + "redis.call('ZADD', KEYS[2], s, ARGV[1]) return s",
                                Long.class),
                        List.of(keys.roomSeq(room), keys.roomWindow(room)),
                        json);
        assertThat(assigned).isEqualTo(seq);
    }

    // ---- presence ----

    @Test
    void presenceFollowsJoinsAndLeavesOnEveryServer() {
        String room = "lobby";
        StompTestClient observer = client(nodeA, "observer");
        observer.subscribeAndWait("presence", "/topic/rooms/" + room + "/presence", Map.of());
        assertThat(presence(observer).users()).isEmpty();

        StompTestClient alice = client(nodeB, "alice");
        alice.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        awaitPresence(observer, List.of("alice"));
        StompTestClient bob = client(nodeA, "bob");
        bob.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        awaitPresence(observer, List.of("alice", "bob"));
        alice.close();
        awaitPresence(observer, List.of("bob"));
        bob.unsubscribe("room");
        awaitPresence(observer, List.of());
    }

    private static Presence presence(StompTestClient client) {
        return JSON.readValue(client.next("presence").body(), Presence.class);
    }

    private static void awaitPresence(StompTestClient client, List<String> users) {
        Presence latest = presence(client);
        while (!latest.users().equals(users)) {
            latest = presence(client);
        }
        assertThat(latest.users()).isEqualTo(users);
    }

    // ---- errors ----

    @Test
    void invalidSendsAreReportedAndNothingIsBroadcast() {
        String room = "strict";
        StompTestClient watcher = client(nodeB, "strict-watcher");
        watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        StompTestClient client = client(nodeA, "strict-sender");
        String dest = "/app/rooms/" + room;
        String id = UUID.randomUUID().toString();

        client.send(dest, "{not json");
        assertThat(error(client).code()).isEqualTo(ErrorCodes.BAD_JSON);
        client.send(dest, body(id, "   "));
        assertThat(error(client)).isEqualTo(errorOf(client, ErrorCodes.BAD_TEXT, id));
        client.send(dest, body(id, "x".repeat(2001)));
        assertThat(error(client).code()).isEqualTo(ErrorCodes.BAD_TEXT);
        client.send("/app/rooms/Not-A-Room", body(id, "hi"));
        assertThat(error(client).code()).isEqualTo(ErrorCodes.BAD_ROOM);
        client.send(dest, body("not a valid id!", "hi"));
        assertThat(error(client).code()).isEqualTo(ErrorCodes.BAD_CLIENT_MESSAGE_ID);
        client.send("/topic/rooms/" + room, body(id, "forged"));
        assertThat(error(client).code()).isEqualTo("bad_destination");
        client.subscribe("bad", "/topic/rooms/UPPER", Map.of());
        assertThat(error(client).code()).isEqualTo(ErrorCodes.BAD_ROOM);
        client.subscribe("bad2", "/topic/rooms/" + room, Map.of("history", "201"));
        assertThat(error(client).code()).isEqualTo("bad_header");
        client.subscribe("bad3", "/queue/acks-userSomebodyElse", Map.of());
        assertThat(error(client).code()).isEqualTo("bad_destination");

        // Still connected; the first frame the watcher sees is the valid message.
        client.send(dest, body(id, "x".repeat(2000)));
        assertThat(ack(client).seq()).isEqualTo(1);
        assertThat(message(watcher.next("room")).seq()).isEqualTo(1);
        assertThat(watcher.frames("room")).isEmpty();
    }

    private static ChatError errorOf(StompTestClient client, String code, String id) {
        return new ChatError(code, "text must have 1..2000 characters after trimming", id);
    }

    @Test
    void sendsOverTheRateLimitAreRefused() {
        String room = "flood";
        StompTestClient watcher = client(nodeB, "flood-watcher");
        watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        StompTestClient flooder = client(nodeA, "flooder");
        int attempts = 80;
        // All frames in one WebSocket message, so they arrive at once however slow the machine.
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < attempts; i++) {
            burst.append("SEND\ndestination:/app/rooms/")
                    .append(room)
                    .append("\ncontent-type:application/json\n\n")
                    .append(body(UUID.randomUUID().toString(), "f" + i))
                    .append('\u0000');
        }
        flooder.sendRaw(burst.toString());
        await().atMost(WAIT)
                .until(
                        () ->
                                flooder.frames("acks").size() + flooder.frames("errors").size()
                                        == attempts);
        int accepted = flooder.frames("acks").size();
        assertThat(accepted).isBetween(40, attempts - 1);
        assertThat(flooder.frames("errors"))
                .allSatisfy(
                        f ->
                                assertThat(JSON.readValue(f.body(), ChatError.class).code())
                                        .isEqualTo(ErrorCodes.RATE_LIMITED));
        assertThat(seqs(take(watcher, "room", accepted))).isEqualTo(range(1, accepted));
    }

    // ---- handshake, tokens, limits ----

    @Test
    void theHandshakeChecksTheOrigin() throws Exception {
        assertThat(handshakeStatus(nodeA, "http://evil.example")).isEqualTo(403);
        assertThat(handshakeStatus(nodeA, "http://localhost:8080")).isEqualTo(101);
        assertThat(handshakeStatus(nodeA, null)).isEqualTo(101);
    }

    private static int handshakeStatus(ChatNode node, String origin) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", node.port())) {
            String request =
                    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:"
                            + node.port()
                            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            + "Sec-WebSocket-Version: 13\r\n"
                            + (origin == null ? "" : "Origin: " + origin + "\r\n")
                            + "\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status =
                    new BufferedReader(
                                    new InputStreamReader(
                                            socket.getInputStream(), StandardCharsets.US_ASCII))
                            .readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    @Test
    void badTokensGetAnErrorFrameAndAreClosed() {
        String revoked = tokens.valid("revoked-user");
        redis.opsForValue().set(keys.revokedToken(Tokens.tokenId(revoked)), "1");
        List<String> refused =
                List.of(
                        new Tokens("another-secret-that-is-long-enough-0123456789").valid("x"),
                        tokens.mint(
                                "late",
                                UUID.randomUUID().toString(),
                                Instant.now().minus(Duration.ofHours(2)),
                                Duration.ofHours(1)),
                        revoked,
                        Tokens.unsigned("nobody"),
                        "not-a-jwt");
        for (String token : refused) {
            assertRefused(token);
        }
        assertRefused(null);
    }

    private static void assertRefused(String token) {
        StompTestClient client = StompTestClient.open(nodeB.wsUrl(), null);
        clients.add(client);
        StompTestClient.Frame answer = client.connect(token);
        assertThat(answer.command()).as("answer to %s", token).isEqualTo("ERROR");
        assertThat(answer.header("message")).isEqualTo("unauthorized");
        assertThat(client.closed).succeedsWithin(WAIT);
    }

    @Test
    void anOversizedFrameClosesOnlyItsOwnSession() {
        StompTestClient bystander = client(nodeA, "bystander");
        StompTestClient big = client(nodeA, "big-sender");
        big.send("/app/rooms/big", body(UUID.randomUUID().toString(), "y".repeat(70 * 1024)));
        assertThat(big.closed).succeedsWithin(WAIT);
        bystander.send("/app/rooms/big", body(UUID.randomUUID().toString(), "still here"));
        assertThat(ack(bystander).seq()).isEqualTo(1);
    }

    @Test
    void logoutClosesTheTokensSessionsOnEveryServer() {
        String token = tokens.valid("leaver");
        StompTestClient onA = StompTestClient.connected(nodeA.wsUrl(), token);
        StompTestClient onB = StompTestClient.connected(nodeB.wsUrl(), token);
        clients.add(onA);
        clients.add(onB);
        StompTestClient other = client(nodeA, "stayer");
        String tokenId = Tokens.tokenId(token);
        // What the coordinator's logout does.
        redis.opsForValue().set(keys.revokedToken(tokenId), "1", Duration.ofHours(1));
        redis.convertAndSend(keys.revocationChannel(), tokenId);
        assertThat(onA.closed).succeedsWithin(Duration.ofSeconds(5));
        assertThat(onB.closed).succeedsWithin(Duration.ofSeconds(5));
        assertThat(other.closed).isNotDone();
        // Stock STOMP clients learn why: an ERROR frame comes before the close.
        for (StompTestClient closed : List.of(onA, onB)) {
            StompTestClient.Frame farewell = closed.nextControl();
            assertThat(farewell.command()).isEqualTo("ERROR");
            assertThat(farewell.header("message")).isEqualTo("token revoked");
            assertThat(closed.closed.join()).isIn(1002, 1008);
        }
    }

    @Test
    void aMissedRevocationPublishStillClosesWithinFiveSeconds() {
        String token = tokens.valid("quiet-leaver");
        StompTestClient client = StompTestClient.connected(nodeB.wsUrl(), token);
        clients.add(client);
        redis.opsForValue().set(keys.revokedToken(Tokens.tokenId(token)), "1", Duration.ofHours(1));
        assertThat(client.closed).succeedsWithin(Duration.ofSeconds(5));
    }

    // ---- a stock STOMP 1.2 client ----

    @Test
    void aStockClientMayOmitContentTypeAndAskForHeartBeats() {
        String room = "stock";
        StompTestClient watcher = client(nodeB, "stock-watcher");
        watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        StompTestClient stock = StompTestClient.open(nodeA.wsUrl(), null);
        clients.add(stock);
        StompTestClient.Frame connected = stock.connect(tokens.valid("stock-user"), "10000,10000");
        assertThat(connected.command()).isEqualTo("CONNECTED");
        assertThat(connected.header("version")).isEqualTo("1.2");
        // The server honours the requested heart-beats instead of answering 0,0.
        assertThat(connected.header("heart-beat")).isEqualTo("10000,10000");
        stock.subscribe("acks", "/user/queue/acks", Map.of());
        stock.subscribe("errors", "/user/queue/errors", Map.of());

        String dest = "/app/rooms/" + room;
        String bare = body(UUID.randomUUID().toString(), "no content-type, no length");
        stock.sendFrame("SEND", Map.of("destination", dest), bare);
        String sized = body(UUID.randomUUID().toString(), "no content-type, with length ü");
        stock.sendFrame(
                "SEND",
                Map.of(
                        "destination",
                        dest,
                        "content-length",
                        Integer.toString(sized.getBytes(StandardCharsets.UTF_8).length)),
                sized);
        String typed = body(UUID.randomUUID().toString(), "json with length");
        stock.sendFrame(
                "SEND",
                Map.of(
                        "destination",
                        dest,
                        "content-type",
                        "application/json",
                        "content-length",
                        Integer.toString(typed.getBytes(StandardCharsets.UTF_8).length)),
                typed);

        assertThat(List.of(ack(stock).seq(), ack(stock).seq(), ack(stock).seq()))
                .containsExactly(1L, 2L, 3L);
        assertThat(take(watcher, "room", 3))
                .extracting(ChatMessage::text)
                .containsExactly(
                        "no content-type, no length",
                        "no content-type, with length ü",
                        "json with length");
        assertThat(stock.frames("errors")).isEmpty();
    }

    // ---- Redis losing data ----

    @Test
    void seqsDoNotRepeatWhenRedisComesBackWithAnOlderOrNoCounter() {
        String room = "amnesia";
        StompTestClient watcher = client(nodeA, "amnesia-watcher");
        watcher.subscribeAndWait("room", "/topic/rooms/" + room, Map.of());
        StompTestClient sender = client(nodeB, "amnesia-sender");
        String dest = "/app/rooms/" + room;
        for (int i = 1; i <= 3; i++) {
            sender.send(dest, body(UUID.randomUUID().toString(), "m" + i));
            assertThat(ack(sender).seq()).isEqualTo(i);
        }
        assertThat(seqs(take(watcher, "room", 3))).containsExactly(1L, 2L, 3L);

        // Redis restarted from an AOF that lost the last writes: the counter went back to 1.
        redis.opsForValue().set(keys.roomSeq(room), "1");
        // The relays' re-sync raises it to what they already forwarded.
        await().atMost(WAIT)
                .until(() -> Long.parseLong(redis.opsForValue().get(keys.roomSeq(room))) >= 3);
        sender.send(dest, body(UUID.randomUUID().toString(), "after restart"));
        assertThat(ack(sender).seq()).isEqualTo(4);
        assertThat(message(watcher.next("room")).text()).isEqualTo("after restart");

        // Redis wiped, the archive (empty here) is behind: seeding uses what servers gave out.
        redis.delete(List.of(keys.roomSeq(room), keys.roomWindow(room)));
        sender.send(dest, body(UUID.randomUUID().toString(), "after wipe"));
        assertThat(ack(sender).seq()).isEqualTo(5);
        ChatMessage afterWipe = message(watcher.next("room"));
        assertThat(afterWipe.seq()).isEqualTo(5);
        assertThat(afterWipe.text()).isEqualTo("after wipe");
    }

    @Test
    void bothServersHeartbeatToTheCoordinator() {
        await().atMost(WAIT)
                .untilAsserted(
                        () ->
                                assertThat(coordinator.requests)
                                        .filteredOn(r -> r.path().equals("/api/servers/heartbeat"))
                                        .extracting(r -> r.body().contains("\"id\":\"node-b\""))
                                        .contains(true));
        FakeCoordinator.Request beat =
                coordinator.requests.stream()
                        .filter(r -> r.body().contains("\"id\":\"node-a\""))
                        .findFirst()
                        .orElseThrow();
        assertThat(beat.method()).isEqualTo("POST");
        assertThat(beat.clusterKey()).isEqualTo(env.clusterKey());
        assertThat(beat.body())
                .contains("\"wsUrl\":\"ws://localhost:" + nodeA.port() + "/ws\"")
                .contains("\"status\":\"UP\"")
                .contains("\"connections\":");
    }
}
