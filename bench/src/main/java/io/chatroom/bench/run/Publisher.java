package io.chatroom.bench.run;

import io.chatroom.bench.client.StompClient;
import io.chatroom.bench.stomp.JsonFields;
import io.chatroom.bench.stomp.StompFrames;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends to one room as fast as acks come back, with at most {@code inflight} unacked messages, or
 * on a fixed schedule ({@code ratePerSecond > 0}), never by sleeping a fixed time between sends.
 */
final class Publisher implements StompClient.MessageSink {
    private static final long ACK_TIMEOUT_SECONDS = 30;
    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final String idPrefix;
    private volatile StompClient client;
    private volatile Semaphore permits;
    private volatile long lastAckSeq;
    private volatile String firstError;
    private final AtomicLong acks = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private long nextId;
    private volatile boolean releaseOnAck = true;

    Publisher(String idPrefix) {
        this.idPrefix = idPrefix;
    }

    void attach(StompClient client) {
        this.client = client;
    }

    StompClient client() {
        return client;
    }

    /**
     * With {@code false}, an ack no longer frees an in-flight slot; {@link #delivered()} does
     * (called when the pacing receiver gets a message), so the window bounds unacked and
     * undelivered messages alike and the chat-app's relay backlog cannot grow without bound.
     */
    void releaseOnAck(boolean onAck) {
        this.releaseOnAck = onAck;
    }

    /** One of this publisher's messages reached the pacing receiver. */
    void delivered() {
        Semaphore p = permits;
        if (p != null && !releaseOnAck) {
            p.release();
        }
    }

    long lastAckSeq() {
        return lastAckSeq;
    }

    long acks() {
        return acks.get();
    }

    long errors() {
        return errors.get();
    }

    String firstError() {
        return firstError;
    }

    /** Sends one message that is not measured (its text is no timestamp). */
    void sendWarmUp(String sendPrefix) {
        client.send(StompFrames.sendPlain(sendPrefix, nextId(), "warm-up"));
    }

    /**
     * Publishes {@code count} messages and returns once all are acked (or refused), or throws if
     * the server stops acking.
     */
    void publish(String sendPrefix, int count, int inflight, double ratePerSecond, int textChars)
            throws InterruptedException {
        Semaphore window = new Semaphore(inflight);
        permits = window;
        long start = System.nanoTime();
        double interval = ratePerSecond > 0 ? NANOS_PER_SECOND / ratePerSecond : 0;
        for (int i = 0; i < count; i++) {
            if (interval > 0) {
                long due = start + (long) (i * interval);
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            if (!window.tryAcquire(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(
                        "no ack for "
                                + ACK_TIMEOUT_SECONDS
                                + " s; connection: "
                                + client.closeReason());
            }
            client.send(StompFrames.send(sendPrefix, nextId(), System.nanoTime(), textChars));
        }
        if (!window.tryAcquire(inflight, ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException(
                    "last acks missing after " + ACK_TIMEOUT_SECONDS + " s");
        }
        permits = null;
    }

    private String nextId() {
        return idPrefix + (nextId++);
    }

    @Override
    public void onMessage(char subscription, CharSequence frame, int bodyStart, int bodyEnd) {
        if (subscription == StompFrames.SUB_ACKS) {
            long seq = JsonFields.longField(frame, bodyStart, bodyEnd, "seq");
            if (seq > lastAckSeq) {
                lastAckSeq = seq;
            }
            acks.incrementAndGet();
        } else if (subscription == StompFrames.SUB_ERRORS) {
            if (errors.incrementAndGet() == 1) {
                firstError = frame.subSequence(bodyStart, bodyEnd).toString();
            }
        } else {
            return;
        }
        Semaphore p = permits;
        if (p != null && releaseOnAck) {
            p.release();
        }
    }
}
