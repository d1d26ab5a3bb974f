package io.chatroom.chat.relay;

import java.io.IOException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.SessionLimitExceededException;

/**
 * The relay's queue of pre-encoded frames for one session, written in order by a writer thread. A
 * room's relay thread only enqueues, so one client that stops reading delays nobody else: its
 * writer blocks on its socket (up to the send time limit) while its queue grows, and once the queue
 * passes the buffer limit the session is closed as not reliable, as Spring's own limits do.
 */
final class SessionOutbox {
    private static final Logger log = LoggerFactory.getLogger(SessionOutbox.class);

    private final WebSocketSession session;
    private final Executor writers;
    private final long maxQueuedChars;
    private final ConcurrentLinkedQueue<String> frames = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedChars = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean closed;

    SessionOutbox(WebSocketSession session, Executor writers, long maxQueuedChars) {
        this.session = session;
        this.writers = writers;
        this.maxQueuedChars = maxQueuedChars;
    }

    String id() {
        return session.getId();
    }

    boolean isClosed() {
        return closed;
    }

    /** Queues a frame; never blocks on the socket. */
    void offer(String frame) {
        if (closed) {
            return;
        }
        if (queuedChars.addAndGet(frame.length()) > maxQueuedChars) {
            log.info("session {} is not reading; closing it", session.getId());
            close(CloseStatus.SESSION_NOT_RELIABLE);
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
            String frame;
            while (!closed && (frame = frames.poll()) != null) {
                queuedChars.addAndGet(-frame.length());
                write(frame);
            }
            scheduled.set(false);
            // A frame offered after the last poll but before the reset must not be stranded.
        } while (!closed && !frames.isEmpty() && scheduled.compareAndSet(false, true));
    }

    private void write(String frame) {
        try {
            session.sendMessage(new TextMessage(frame));
        } catch (SessionLimitExceededException e) {
            close(e.getStatus());
        } catch (IOException | RuntimeException e) {
            log.debug("writing to session {} failed: {}", session.getId(), e.toString());
            close(CloseStatus.PROTOCOL_ERROR);
        }
    }

    /** Drops what is queued and closes the session (idempotent). */
    void close(CloseStatus status) {
        if (closed) {
            return;
        }
        closed = true;
        frames.clear();
        queuedChars.set(0);
        try {
            session.close(status);
        } catch (IOException | RuntimeException e) {
            log.debug("closing session {} failed: {}", session.getId(), e.toString());
        }
    }

    /** The session closed on its own: forget what is queued. */
    void discard() {
        closed = true;
        frames.clear();
    }
}
