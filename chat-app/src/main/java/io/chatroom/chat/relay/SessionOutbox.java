package io.chatroom.chat.relay;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.Session;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.NativeWebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;

/**
 * The one way out of a session: every frame, the relay's pre-encoded room messages and Spring's own
 * (CONNECTED, acks, errors, heart-beats), is queued here and written in order by one writer thread
 * at a time. Nobody but the writer waits on the socket, so one client that stops reading delays
 * nobody else: its writer blocks (up to the send time limit) while its queue grows, and once the
 * queue passes the buffer limit the session is closed as not reliable, as Spring's own limits do.
 *
 * <p>A writer takes everything queued in one go and lets the container batch it: each frame is
 * still its own WebSocket message, but the frames of one drain leave in as few socket writes as the
 * container's output buffer allows instead of one write per frame. A close asked for by Spring
 * (after an ERROR frame) or by the server runs after the frames queued before it.
 */
final class SessionOutbox extends ConcurrentWebSocketSessionDecorator {
    private static final Logger log = LoggerFactory.getLogger(SessionOutbox.class);

    /** Tomcat's per-session limit on one blocking send, in milliseconds. */
    static final String BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    private final Executor writers;
    private final long maxQueuedChars;

    /** The container's endpoint in batching mode, or null when the session is not a JSR-356 one. */
    private final RemoteEndpoint.Basic remote;

    /** Queued frames: a {@link String} from the relay, a {@link WebSocketMessage} from Spring. */
    private final ConcurrentLinkedQueue<Object> frames = new ConcurrentLinkedQueue<>();

    private final AtomicLong queuedChars = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();
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
            Duration sendTimeLimit) {
        super(session, (int) sendTimeLimit.toMillis(), (int) maxQueuedChars);
        this.writers = writers;
        this.maxQueuedChars = maxQueuedChars;
        this.remote = batchingRemote(session, sendTimeLimit);
    }

    private static RemoteEndpoint.Basic batchingRemote(
            WebSocketSession session, Duration sendTimeLimit) {
        if (!(session instanceof NativeWebSocketSession nativeSession)) {
            return null;
        }
        Session jsr = nativeSession.getNativeSession(Session.class);
        if (jsr == null) {
            return null;
        }
        jsr.getUserProperties().put(BLOCKING_SEND_TIMEOUT, sendTimeLimit.toMillis());
        RemoteEndpoint.Basic basic = jsr.getBasicRemote();
        try {
            basic.setBatchingAllowed(true);
        } catch (IOException e) {
            return null;
        }
        return basic;
    }

    private boolean isClosed() {
        return closed || closeRequested != null;
    }

    /** Queues a pre-encoded STOMP frame; never blocks on the socket. */
    void offer(String frame) {
        enqueue(frame, frame.length());
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

    /** Spring's frames take the same queue, so they keep their place among the relay's. */
    @Override
    public void sendMessage(WebSocketMessage<?> message) {
        enqueue(message, message.getPayloadLength());
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

    private void enqueue(Object frame, int length) {
        if (isClosed()) {
            return;
        }
        if (queuedChars.addAndGet(length) > maxQueuedChars) {
            log.info("session {} is not reading; closing it", getId());
            abort(CloseStatus.SESSION_NOT_RELIABLE);
            return;
        }
        frames.add(frame);
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                writers.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // Shutting down, or every writer is stuck on a slow socket: write here instead.
                drain();
            }
        }
    }

    private void drain() {
        do {
            writeQueued();
            CloseStatus close = closeRequested;
            if (close != null && !closed && frames.isEmpty()) {
                closeNow(close);
            }
            scheduled.set(false);
            // A frame offered after the last poll but before the reset must not be stranded.
        } while (!closed
                && (!frames.isEmpty() || closeRequested != null)
                && scheduled.compareAndSet(false, true));
    }

    private void writeQueued() {
        boolean wrote = false;
        try {
            Object frame;
            while (!closed && (frame = frames.poll()) != null) {
                if (frame instanceof String text) {
                    queuedChars.addAndGet(-text.length());
                    if (remote != null) {
                        remote.sendText(text);
                    } else {
                        getDelegate().sendMessage(new TextMessage(text));
                    }
                } else {
                    WebSocketMessage<?> message = (WebSocketMessage<?>) frame;
                    queuedChars.addAndGet(-message.getPayloadLength());
                    if (remote != null && message instanceof TextMessage text) {
                        remote.sendText(text.getPayload());
                    } else {
                        getDelegate().sendMessage(message);
                    }
                }
                wrote = true;
            }
            if (wrote && remote != null && !closed) {
                remote.flushBatch();
            }
        } catch (IOException | RuntimeException e) {
            // A send that outlived the send time limit ends here too (the container closed it).
            log.debug("writing to session {} failed: {}", getId(), e.toString());
            abort(CloseStatus.SESSION_NOT_RELIABLE);
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
     * Drops what is queued and closes at once (idempotent). The close itself runs on a writer
     * thread: the container's close waits for a write in progress, and the caller may be a room's
     * relay thread, which must never wait on a client that stopped reading.
     */
    void abort(CloseStatus status) {
        if (closed) {
            return;
        }
        closeRequested = status;
        closed = true;
        frames.clear();
        queuedChars.set(0);
        try {
            writers.execute(() -> closeDelegate(status));
        } catch (RejectedExecutionException e) {
            closeDelegate(status);
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
