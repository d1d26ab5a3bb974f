package io.chatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatMessage;
import io.chatroom.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Clients that stop reading delay only themselves: many of them, more than there are socket writer
 * threads, sit in a busy room beside normal clients, who still get every message promptly; the
 * non-readers are closed as slow consumers, and the closes are counted.
 */
class SlowClientsIntegrationTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int NON_READERS = 40;
    private static final int MESSAGES = 200;
    private static final int STEP = 20;

    static FakeCoordinator coordinator;
    static ChatNode node;
    static Tokens tokens;

    @BeforeAll
    static void start() {
        coordinator = new FakeCoordinator();
        TestInfra.Env env = TestInfra.newEnv();
        node =
                ChatNode.start(
                        env,
                        "slow-node",
                        coordinator.url(),
                        Map.of(
                                "chatroom.rate-limit.messages-per-second", "0",
                                // Fewer writer threads than non-reading clients, and a send time
                                // limit far above what the normal clients may wait.
                                "chatroom.relay.max-writer-threads", "4",
                                "chatroom.limits.send-time-limit", "60s",
                                "chatroom.limits.send-buffer-size-limit", "131072",
                                // Small kernel buffers, so a client that stops reading is
                                // soon stuck (else the OS absorbs megabytes first).
                                "chatroom.limits.socket-send-buffer", "16384"));
        tokens = new Tokens(env.authSecret());
    }

    @AfterAll
    static void stop() {
        node.close();
        coordinator.close();
    }

    @Test
    void clientsThatStopReadingDelayOnlyThemselves() throws Exception {
        List<Socket> nonReaders = new ArrayList<>();
        StompTestClient reader = StompTestClient.connected(node.wsUrl(), tokens.valid("reader"));
        StompTestClient elsewhere =
                StompTestClient.connected(node.wsUrl(), tokens.valid("elsewhere"));
        try {
            for (int i = 0; i < NON_READERS; i++) {
                nonReaders.add(nonReadingSubscriber("flood", "stuck-" + i));
            }
            reader.subscribeAndWait("room", "/topic/rooms/flood", Map.of());
            elsewhere.subscribeAndWait("room", "/topic/rooms/calm", Map.of());
            StompTestClient sender =
                    StompTestClient.connected(node.wsUrl(), tokens.valid("flooder"));
            String text = "x".repeat(2000);

            long started = System.nanoTime();
            long flood = 0;
            long calm = 0;
            // In steps the normal clients keep up with, so only the non-readers fall behind.
            for (int step = 0; step < MESSAGES / STEP; step++) {
                for (int i = 0; i < STEP; i++) {
                    sender.send("/app/rooms/flood", body(text));
                }
                sender.send("/app/rooms/calm", body("calm " + step));
                for (int i = 0; i < STEP; i++) {
                    assertThat(seq(reader)).isEqualTo(++flood);
                }
                assertThat(seq(elsewhere)).isEqualTo(++calm);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            // Far below the 60 s send time limit that a blocked writer thread would wait out.
            assertThat(took).isLessThan(Duration.ofSeconds(20));
            sender.close();

            MeterRegistry meters = node.context.getBean(MeterRegistry.class);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () ->
                                    assertThat(
                                                    meters.counter(
                                                                    "chatroom.sessions.closed",
                                                                    "reason",
                                                                    "slow_consumer")
                                                            .count())
                                            .isEqualTo(NON_READERS));
            // Writes the socket took at once completed on the writing thread, without a hand-off
            // to Tomcat's threads (the hook on Tomcat's completion task still matches).
            assertThat(meters.counter("chatroom.outbox.sends", "completion", "inline").count())
                    .isPositive();
        } finally {
            reader.close();
            elsewhere.close();
            for (Socket socket : nonReaders) {
                socket.close();
            }
        }
    }

    private static long seq(StompTestClient client) {
        return JSON.readValue(client.next("room").body(), ChatMessage.class).seq();
    }

    private static String body(String text) {
        return JSON.writeValueAsString(
                Map.of("clientMessageId", UUID.randomUUID().toString(), "text", text));
    }

    /**
     * A WebSocket client that connects, subscribes, and then never reads again, with a tiny receive
     * buffer so the server's writes to it soon find the socket full.
     */
    private static Socket nonReadingSubscriber(String room, String user) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", node.port()));
        OutputStream out = socket.getOutputStream();
        out.write(
                ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:"
                                + node.port()
                                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                + "Sec-WebSocket-Version: 13\r\n"
                                + "Sec-WebSocket-Protocol: v12.stomp\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        readUntil(in, "\r\n\r\n");
        writeFrame(
                out,
                "CONNECT\naccept-version:1.2\nAuthorization:Bearer "
                        + tokens.valid(user)
                        + "\n\n\0");
        readUntil(in, "\0");
        writeFrame(
                out, "SUBSCRIBE\nid:room\ndestination:/topic/rooms/" + room + "\nreceipt:r\n\n\0");
        readUntil(in, "\0");
        return socket;
    }

    private static void readUntil(InputStream in, String end) throws IOException {
        StringBuilder seen = new StringBuilder();
        while (!seen.toString().endsWith(end)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before " + end.replace("\0", "NUL"));
            }
            seen.append((char) b);
        }
    }

    /** One masked text frame, as a client must send (payload under 64 KiB). */
    private static void writeFrame(OutputStream out, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        out.write(0x81);
        if (payload.length < 126) {
            out.write(0x80 | payload.length);
        } else {
            out.write(0x80 | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length & 0xff);
        }
        out.write(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        out.flush();
    }
}
