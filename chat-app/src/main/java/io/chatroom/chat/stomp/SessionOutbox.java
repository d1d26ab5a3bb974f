package io.chatroom.chat.stomp;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.tomcat.websocket.Utf8TextSend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.NativeWebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;

/**
 * The one way out of a session: every frame, the app's pre-encoded ones (room messages, presence,
 * acks, receipts) and Spring's own (CONNECTED, errors, heart-beats), is queued here and written in
 * order. Writes never block a thread: what is queued goes out as one WebSocket text message (STOMP
 * allows several frames per message) with the container's asynchronous send, and the next batch
 * starts when that send completes. So a client that stops reading delays only itself: its queue
 * grows until it passes the buffer limit, or its send outlives the send time limit, and then the
 * session is closed as not reliable (logged, and counted by {@link OutboxMeters}).
 *
 * <p>A close asked for by Spring (after an ERROR frame) or by the server runs after the frames
 * queued before it.
 */
final class SessionOutbox extends ConcurrentWebSocketSessionDecorator implements FrameTarget {
    private static final Logger log = LoggerFactory.getLogger(SessionOutbox.class);

    /** Tomcat's per-session limit on one blocking send (the close frame), in milliseconds. */
    static final String BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    /** A close frame to a client that stopped reading gives up after this long. */
    private static final long ABORT_CLOSE_TIMEOUT_MILLIS = 200;

    /** A batch stops growing once it holds this many bytes. */
    private static final int MAX_BATCH_BYTES = 64 * 1024;

    private final Executor writers;
    private final long maxQueuedChars;
    private final OutboxMeters meters;
    private final long sendTimeLimitNanos;

    /** When the send in flight started (System.nanoTime), 0 when none is. */
    private volatile long sendStartedNanos;

    /** The container's asynchronous endpoint, or null when the session is not a JSR-356 one. */
    private final RemoteEndpoint.Async async;

    private final Map<String, Object> userProperties;

    /**
     * Queued frames: a {@link String} or a UTF-8 {@code byte[]} (maybe shared with other sessions)
     * from the app, a {@link WebSocketMessage} from Spring. Each is counted in {@link #queuedChars}
     * by {@link #lengthOf} from its offer until its send completes.
     */
    private final ConcurrentLinkedQueue<Object> frames = new ConcurrentLinkedQueue<>();

    private final AtomicLong queuedChars = new AtomicLong();

    /** Held by whoever writes: a drain on a writer thread, or a send in flight until it ends. */
    private final AtomicBoolean writing = new AtomicBoolean();

    /** Characters of the send in flight, released from the count when it ends. */
    private volatile long inFlight;

    /** The thread inside the container's send call, so a completion on it is recognised. */
    private volatile Thread sendingThread;

    /** A completion that came while the send call was still running; read after it returns. */
    private SendResult inlineResult;

    private volatile CloseStatus closeRequested;
    private volatile boolean closed;
    private volatile Consumer<WebSocketMessage<?>> queuedCallback;

    /** The session's subscription to its acks queue, escaped for a header; null if none. */
    private volatile String ackSubscription;

    private final AtomicLong ackIds = new AtomicLong();

    SessionOutbox(
            WebSocketSession session,
            Executor writers,
            long maxQueuedChars,
            Duration sendTimeLimit,
            OutboxMeters meters) {
        super(session, (int) sendTimeLimit.toMillis(), (int) maxQueuedChars);
        this.writers = writers;
        this.maxQueuedChars = maxQueuedChars;
        this.meters = meters;
        this.sendTimeLimitNanos = sendTimeLimit.toNanos();
        Session jsr = jsrSession(session);
        if (jsr != null) {
            this.userProperties = jsr.getUserProperties();
            userProperties.put(BLOCKING_SEND_TIMEOUT, sendTimeLimit.toMillis());
            // No container send timeout: it costs two updates of a shared sorted set per send;
            // checkSendTimeout, called periodically, does the same once per second per session.
            this.async = jsr.getAsyncRemote();
        } else {
            this.userProperties = null;
            this.async = null;
        }
    }

    private static Session jsrSession(WebSocketSession session) {
        return session instanceof NativeWebSocketSession nativeSession
                ? nativeSession.getNativeSession(Session.class)
                : null;
    }

    private boolean isClosed() {
        return closed || closeRequested != null;
    }

    @Override
    public void offer(String frame) {
        enqueue(frame);
    }

    @Override
    public void offer(byte[] utf8Frame) {
        enqueue(utf8Frame);
    }

    @Override
    public boolean isWritable() {
        return !isClosed();
    }

    /** Acks go to this subscription (the client subscribed to its acks queue); null: none. */
    void ackSubscription(String escapedSubscriptionId) {
        this.ackSubscription = escapedSubscriptionId;
    }

    String ackSubscription() {
        return ackSubscription;
    }

    /** A {@code message-id} for the next ack, unique within the session. */
    long nextAckId() {
        return ackIds.incrementAndGet();
    }

    /** Spring's frames take the same queue, so they keep their place among the app's. */
    @Override
    public void sendMessage(WebSocketMessage<?> message) {
        enqueue(message);
        Consumer<WebSocketMessage<?>> callback = queuedCallback;
        if (callback != null) {
            callback.accept(message);
        }
    }

    /** Called with each of Spring's frames once it is queued (publish order). */
    @Override
    public void setMessageCallback(Consumer<WebSocketMessage<?>> callback) {
        this.queuedCallback = callback;
    }

    @Override
    public int getBufferSize() {
        return (int) queuedChars.get();
    }

    private void enqueue(Object frame) {
        if (isClosed()) {
            return;
        }
        if (queuedChars.addAndGet(lengthOf(frame)) > maxQueuedChars) {
            abort(OutboxMeters.SLOW_CONSUMER, "more than " + maxQueuedChars + " chars queued");
            return;
        }
        frames.add(frame);
        schedule();
    }

    private void schedule() {
        if (writing.compareAndSet(false, true) && !WriteBatch.defer(this)) {
            handOver();
        }
    }

    /** Gives the drain, whose {@link #writing} flag the caller took, to the socket writers. */
    void handOver() {
        try {
            writers.execute(this::drain);
        } catch (RejectedExecutionException e) {
            // Shutting down: write here instead.
            drain();
        }
    }

    /**
     * Writes what is queued; the caller holds {@link #writing}. Returns with it still held while an
     * asynchronous send is in flight (its completion drains on), else releases it.
     */
    private void drain() {
        do {
            if (!closed && sendBatch()) {
                return;
            }
            CloseStatus close = closeRequested;
            if (close != null && !closed && frames.isEmpty()) {
                closeNow(close);
            }
            writing.set(false);
            // A frame offered after the last poll but before the release must not be stranded.
        } while (!closed
                && (!frames.isEmpty() || closeRequested != null)
                && writing.compareAndSet(false, true));
    }

    /** Starts sending the next batch; false if there was nothing to send (or sending failed). */
    private boolean sendBatch() {
        Object first = frames.peek();
        if (first == null) {
            return false;
        }
        if (async == null) {
            return writeDirectly();
        }
        if (!isText(first)) {
            frames.poll();
            WebSocketMessage<?> message = (WebSocketMessage<?>) first;
            int length = message.getPayloadLength();
            if (message instanceof BinaryMessage binary) {
                return startSend(length, () -> async.sendBinary(binary.getPayload(), this::sent));
            }
            writeOther(message, length);
            return false;
        }
        frames.poll();
        byte[] payload = utf8(first);
        int length = lengthOf(first, payload);
        int size = payload.length;
        if (isText(frames.peek())) {
            // Several frames in one WebSocket message (STOMP allows it): one write for them all,
            // in an array sized for what is queued (ASCII frames count a byte per character).
            int expected = (int) Math.min(queuedChars.get() + 1024, MAX_BATCH_BYTES + 8192);
            byte[] batch = new byte[Math.max(size + 1024, expected)];
            System.arraycopy(payload, 0, batch, 0, size);
            Object next;
            while (size < MAX_BATCH_BYTES && isText(next = frames.peek())) {
                frames.poll();
                byte[] part = utf8(next);
                length += lengthOf(next, part);
                if (size + part.length > batch.length) {
                    batch = Arrays.copyOf(batch, Math.max(2 * batch.length, size + part.length));
                }
                System.arraycopy(part, 0, batch, size, part.length);
                size += part.length;
            }
            payload = batch;
        }
        byte[] message = payload;
        int messageSize = size;
        return startSend(length, () -> Utf8TextSend.send(async, message, messageSize, this::sent));
    }

    private static boolean isText(Object frame) {
        return frame instanceof byte[] || frame instanceof String || frame instanceof TextMessage;
    }

    private static byte[] utf8(Object frame) {
        if (frame instanceof byte[] bytes) {
            return bytes;
        }
        return frame instanceof String text
                ? text.getBytes(StandardCharsets.UTF_8)
                : ((TextMessage) frame).asBytes();
    }

    /** {@link #lengthOf} of a text frame whose bytes are at hand (a message's length is theirs). */
    private static int lengthOf(Object frame, byte[] utf8) {
        return frame instanceof String text ? text.length() : utf8.length;
    }

    /** What a frame counts against the queue limit while queued and in flight. */
    private static int lengthOf(Object frame) {
        if (frame instanceof String text) {
            return text.length();
        }
        if (frame instanceof byte[] bytes) {
            return bytes.length;
        }
        return ((WebSocketMessage<?>) frame).getPayloadLength();
    }

    /**
     * Starts a send. Returns true if the session's writing goes on elsewhere: the send is in flight
     * (its completion drains on), or it completed at once ({@link InlineSendCompletions}) and the
     * next batch was handed back to the writers, so one busy session cannot keep a writer thread to
     * itself. Returns false if the send failed, or completed at once with nothing left to send.
     */
    private boolean startSend(int length, Runnable send) {
        inFlight = length;
        sendStartedNanos = System.nanoTime();
        Thread me = Thread.currentThread();
        sendingThread = me;
        try {
            InlineSendCompletions.send(send);
        } catch (RuntimeException e) {
            queuedChars.addAndGet(-length);
            abort(OutboxMeters.WRITE_FAILED, e.toString());
            return false;
        } finally {
            // A completion on another thread may already have started the next send.
            if (sendingThread == me) {
                sendingThread = null;
            }
        }
        SendResult result = inlineResult;
        if (result == null) {
            return true;
        }
        inlineResult = null;
        meters.completedInline();
        completed(result);
        if (!closed && !frames.isEmpty()) {
            try {
                writers.execute(this::drain);
                return true;
            } catch (RejectedExecutionException e) {
                return false;
            }
        }
        return false;
    }

    /** The asynchronous send ended: at once on the sending thread, or on a container thread. */
    private void sent(SendResult result) {
        if (Thread.currentThread() == sendingThread) {
            // Inside startSend's call: it carries on once that returns, so nothing nests.
            inlineResult = result;
            return;
        }
        meters.completedLater();
        completed(result);
        drain();
    }

    private void completed(SendResult result) {
        sendStartedNanos = 0;
        queuedChars.addAndGet(-inFlight);
        if (!result.isOK()) {
            Throwable failure = result.getException();
            String reason = failure == null ? "send failed" : failure.toString();
            abort(OutboxMeters.WRITE_FAILED, reason);
        }
    }

    /**
     * Closes the session if its send in flight has been pending longer than the send time limit.
     */
    void checkSendTimeout(long nowNanos) {
        long started = sendStartedNanos;
        if (started != 0 && nowNanos - started > sendTimeLimitNanos && !closed) {
            abort(OutboxMeters.SEND_TIMEOUT, "a send pending longer than the send time limit");
        }
    }

    /** Sessions that are not JSR-356 ones (tests, other containers): Spring's blocking send. */
    private boolean writeDirectly() {
        Object frame;
        while (!closed && (frame = frames.poll()) != null) {
            WebSocketMessage<?> message =
                    frame instanceof String text
                            ? new TextMessage(text)
                            : frame instanceof byte[] bytes
                                    ? new TextMessage(bytes)
                                    : (WebSocketMessage<?>) frame;
            writeOther(message, lengthOf(frame));
        }
        return false;
    }

    private void writeOther(WebSocketMessage<?> message, int length) {
        queuedChars.addAndGet(-length);
        try {
            getDelegate().sendMessage(message);
        } catch (IOException | RuntimeException e) {
            abort(OutboxMeters.WRITE_FAILED, e.toString());
        }
    }

    /** Closes after the frames already queued are written (Spring's ERROR-then-close). */
    @Override
    public void close(CloseStatus status) {
        if (closed || closeRequested != null) {
            return;
        }
        closeRequested = status;
        schedule();
    }

    @Override
    public void close() {
        close(CloseStatus.NORMAL);
    }

    /**
     * Drops what is queued and closes at once (idempotent), logging and counting why. The close
     * itself runs on a writer thread and gives up quickly on a client that does not read: the
     * caller may be a room's relay thread, which must never wait on a client.
     */
    void abort(String reason, String detail) {
        if (closed) {
            return;
        }
        closeRequested = CloseStatus.SESSION_NOT_RELIABLE;
        closed = true;
        frames.clear();
        queuedChars.set(0);
        meters.closed(reason);
        log.info("closing session {}: {} ({})", getId(), reason, detail);
        if (userProperties != null) {
            userProperties.put(BLOCKING_SEND_TIMEOUT, ABORT_CLOSE_TIMEOUT_MILLIS);
        }
        try {
            writers.execute(() -> closeDelegate(CloseStatus.SESSION_NOT_RELIABLE));
        } catch (RejectedExecutionException e) {
            closeDelegate(CloseStatus.SESSION_NOT_RELIABLE);
        }
    }

    private void closeNow(CloseStatus status) {
        if (closed) {
            return;
        }
        closed = true;
        frames.clear();
        queuedChars.set(0);
        closeDelegate(status);
    }

    private void closeDelegate(CloseStatus status) {
        try {
            getDelegate().close(status);
        } catch (IOException | RuntimeException e) {
            log.debug("closing session {} failed: {}", getId(), e.toString());
        }
    }

    /** The session closed on its own: forget what is queued. */
    void discard() {
        closed = true;
        frames.clear();
    }
}
