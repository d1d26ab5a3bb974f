package io.chatroom.chat.stomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.adapter.standard.StandardWebSocketSession;

/**
 * The outbox's batching on a container endpoint (a stand-in that records each text message and
 * completes it when the test says so): frames queued while no send is in flight leave as one
 * message in the order queued, whatever their kind (shared UTF-8 arrays, Strings, Spring's
 * messages), and the queue's count falls back to zero once the send completes. Inside a {@link
 * WriteBatch} the hand-off to the writers waits for the batch's end.
 */
class SessionOutboxTests {
    private final Queue<Runnable> writerTasks = new ConcurrentLinkedQueue<>();
    private final List<String> sent = new ArrayList<>();
    private final List<SendHandler> pending = new ArrayList<>();
    private final Map<String, Object> userProperties = new HashMap<>();
    private final Session nativeSession = nativeSession();

    @Test
    void framesQueuedMeanwhileLeaveAsOneMessageInOrderAndAreCountedOutWhenSent() {
        SessionOutbox outbox = outbox();
        String shared = "MESSAGE\nsubscription:sub-0\n\n{\"text\":\"héllo\"}\0";
        byte[] sharedBytes = shared.getBytes(StandardCharsets.UTF_8);
        // Three bytes per character: more bytes than the characters the queue counts, so the
        // batch outgrows the array sized from that count.
        String wide = "MESSAGE\n\n" + "✓".repeat(10_000) + "\0";
        String receipt = "RECEIPT\nreceipt-id:r-1\n\n\0";

        outbox.offer(sharedBytes);
        outbox.offer(wide);
        outbox.sendMessage(new TextMessage(receipt));
        outbox.offer(sharedBytes);
        assertThat(outbox.getBufferSize())
                .isEqualTo(
                        2 * sharedBytes.length
                                + wide.length()
                                + receipt.getBytes(StandardCharsets.UTF_8).length);
        assertThat(sent).as("nothing written before a writer ran").isEmpty();

        runWriters();

        assertThat(sent).containsExactly(shared + wide + receipt + shared);
        assertThat(outbox.getBufferSize()).as("counted until the send completes").isPositive();
        complete();
        assertThat(outbox.getBufferSize()).isZero();
        assertThat(new String(sharedBytes, StandardCharsets.UTF_8))
                .as("the shared array is unchanged")
                .isEqualTo(shared);
    }

    @Test
    void aFrameQueuedDuringASendGoesOutAfterIt() {
        SessionOutbox outbox = outbox();
        byte[] first = "MESSAGE\n\n1\0".getBytes(StandardCharsets.UTF_8);

        outbox.offer(first);
        runWriters();
        outbox.offer("MESSAGE\n\n2\0");
        outbox.offer("MESSAGE\n\n3\0".getBytes(StandardCharsets.UTF_8));
        runWriters();
        assertThat(sent).as("one send in flight at a time").containsExactly("MESSAGE\n\n1\0");

        complete();
        assertThat(sent).containsExactly("MESSAGE\n\n1\0", "MESSAGE\n\n2\0MESSAGE\n\n3\0");
        complete();
        assertThat(outbox.getBufferSize()).isZero();
    }

    @Test
    void insideAWriteBatchSessionsAreHandedToTheWritersWhenItClosesWithAllTheirFrames() {
        SessionOutbox first = outbox();
        SessionOutbox second = outbox();

        try (WriteBatch batch = WriteBatch.open()) {
            first.offer("MESSAGE\n\n1\0");
            second.offer("MESSAGE\n\n1\0".getBytes(StandardCharsets.UTF_8));
            first.offer("MESSAGE\n\n2\0".getBytes(StandardCharsets.UTF_8));
            assertThat(writerTasks).as("held back while the batch is open").isEmpty();
        }

        assertThat(writerTasks).as("one hand-off per session").hasSize(2);
        runWriters();
        assertThat(sent)
                .as("each session's frames of the run in one write")
                .containsExactly("MESSAGE\n\n1\0MESSAGE\n\n2\0", "MESSAGE\n\n1\0");
    }

    @Test
    void aFlushHandsOverWhatTheBatchHeldSoFarAndANestedBatchLeavesItToTheOuterOne() {
        SessionOutbox first = outbox();
        SessionOutbox second = outbox();

        try (WriteBatch batch = WriteBatch.open()) {
            try (WriteBatch nested = WriteBatch.open()) {
                first.offer("MESSAGE\n\n1\0");
            }
            assertThat(writerTasks).as("a nested batch's close hands nothing over").isEmpty();
            batch.flush();
            assertThat(writerTasks).hasSize(1);
            second.offer("MESSAGE\n\n2\0");
            assertThat(writerTasks).as("the batch is still open after a flush").hasSize(1);
        }

        assertThat(writerTasks).hasSize(2);
        runWriters();
        assertThat(sent).containsExactly("MESSAGE\n\n1\0", "MESSAGE\n\n2\0");
    }

    @Test
    void anotherThreadsOffersAreNotHeldByThisThreadsBatch() throws InterruptedException {
        SessionOutbox outbox = outbox();

        try (WriteBatch batch = WriteBatch.open()) {
            Thread other = new Thread(() -> outbox.offer("MESSAGE\n\n1\0"));
            other.start();
            other.join();
            assertThat(writerTasks).as("handed over at once").hasSize(1);
        }
        runWriters();
        assertThat(sent).containsExactly("MESSAGE\n\n1\0");
    }

    @Test
    void aHandOverThatFailsKeepsNoOtherSessionWaitingAndEndsTheBatch() {
        SessionOutbox refused =
                outbox(
                        task -> {
                            throw new IllegalStateException("writers broken");
                        });
        SessionOutbox second = outbox();
        WriteBatch batch = WriteBatch.open();
        refused.offer("MESSAGE\n\n1\0");
        second.offer("MESSAGE\n\n2\0");

        assertThatThrownBy(batch::close).isInstanceOf(IllegalStateException.class);

        assertThat(writerTasks).as("the other session was handed over").hasSize(1);
        assertThat(WriteBatch.isOpen()).as("the batch ended").isFalse();
        runWriters();
        assertThat(sent).containsExactly("MESSAGE\n\n2\0");
    }

    @Test
    void aBatchIsClosedOnlyByTheThreadThatOpenedItAndFlushCurrentHandsOverPartWay()
            throws InterruptedException {
        SessionOutbox outbox = outbox();
        try (WriteBatch batch = WriteBatch.open()) {
            outbox.offer("MESSAGE\n\n1\0");
            WriteBatch.flushCurrent();
            assertThat(writerTasks).hasSize(1);

            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread other = new Thread(() -> failure.set(catchThrowable(batch::close)));
            other.start();
            other.join();
            assertThat(failure.get()).isInstanceOf(IllegalStateException.class);
            assertThat(WriteBatch.isOpen()).as("still open on this thread").isTrue();
        }
        assertThat(WriteBatch.isOpen()).isFalse();
    }

    private SessionOutbox outbox() {
        return outbox(writerTasks::add);
    }

    private SessionOutbox outbox(Executor writers) {
        StandardWebSocketSession session =
                new StandardWebSocketSession(
                        new HttpHeaders(),
                        Map.of(),
                        new InetSocketAddress("127.0.0.1", 8081),
                        new InetSocketAddress("127.0.0.1", 50000));
        session.initializeNativeSession(nativeSession);
        return new SessionOutbox(
                session,
                writers,
                1_000_000,
                Duration.ofSeconds(10),
                new OutboxMeters(new SimpleMeterRegistry()));
    }

    private void runWriters() {
        Runnable task;
        while ((task = writerTasks.poll()) != null) {
            task.run();
        }
    }

    /** Completes the send in flight, as the container does on one of its threads. */
    private void complete() {
        assertThat(pending).hasSize(1);
        SendHandler handler = pending.remove(0);
        handler.onResult(new SendResult(nativeSession));
        runWriters();
    }

    private Session nativeSession() {
        RemoteEndpoint.Async async =
                (RemoteEndpoint.Async)
                        Proxy.newProxyInstance(
                                getClass().getClassLoader(),
                                new Class<?>[] {RemoteEndpoint.Async.class},
                                (proxy, method, args) -> {
                                    if (method.getName().equals("sendText")
                                            && args.length == 2
                                            && args[1] instanceof SendHandler handler) {
                                        sent.add((String) args[0]);
                                        pending.add(handler);
                                        return null;
                                    }
                                    throw new UnsupportedOperationException(method.getName());
                                });
        return (Session)
                Proxy.newProxyInstance(
                        getClass().getClassLoader(),
                        new Class<?>[] {Session.class},
                        (proxy, method, args) ->
                                switch (method.getName()) {
                                    case "getAsyncRemote" -> async;
                                    case "getUserProperties" -> userProperties;
                                    case "getId" -> "session-1";
                                    case "getNegotiatedExtensions" -> List.of();
                                    case "getRequestURI",
                                            "getNegotiatedSubprotocol",
                                            "getUserPrincipal" ->
                                            null;
                                    case "isOpen" -> true;
                                    case "hashCode" -> System.identityHashCode(proxy);
                                    case "equals" -> proxy == args[0];
                                    case "toString" -> "fake session";
                                    default ->
                                            throw new UnsupportedOperationException(
                                                    method.getName());
                                });
    }
}
