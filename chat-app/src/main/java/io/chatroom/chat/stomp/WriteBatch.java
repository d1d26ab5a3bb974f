package io.chatroom.chat.stomp;

import java.util.ArrayList;
import java.util.List;

/**
 * Holds back the outboxes' hand-off to the socket writers while one thread offers a run of frames,
 * and hands them over when the run ends (Netty's flush-at-read-complete, for the relay).
 *
 * <p>A room's relay thread fans each message out to every member on this server. Handed to a writer
 * at its first frame, each session wakes a writer, and on a busy core the woken writer takes the
 * core from the relay at once and sends that one frame alone: a system call per frame, just when
 * the server has the least CPU to spare. Held back until the relay has run the live messages it had
 * queued, a session sends all of the run's frames in one write. A run of one message, the usual
 * case on an idle server, hands over as it ends. Work that may wait on Redis must not run inside a
 * batch with frames held (it would hold them for as long): the relay opens batches only around live
 * messages and flushes before a gap repair reads the window ({@link #flushCurrent}).
 *
 * <p>Only the thread that opened a batch defers into it. A session whose hand-off is held gets the
 * frames other threads offer it meanwhile (an ack, a receipt) with the batch's, in order.
 */
public final class WriteBatch implements AutoCloseable {
    private static final ThreadLocal<WriteBatch> CURRENT = new ThreadLocal<>();

    /** Nested opens on one thread share the outermost batch; only it hands over. */
    private static final WriteBatch NESTED = new WriteBatch(null);

    private final Thread owner;
    private final List<SessionOutbox> deferred = new ArrayList<>();

    private WriteBatch(Thread owner) {
        this.owner = owner;
    }

    /** Opens a batch on this thread, to close (try-with-resources) on the same thread. */
    public static WriteBatch open() {
        if (CURRENT.get() != null) {
            return NESTED;
        }
        WriteBatch batch = new WriteBatch(Thread.currentThread());
        CURRENT.set(batch);
        return batch;
    }

    /** Whether this thread has a batch open. */
    public static boolean isOpen() {
        return CURRENT.get() != null;
    }

    /** Hands over what this thread's open batch holds, if it has one; it stays open. */
    public static void flushCurrent() {
        WriteBatch batch = CURRENT.get();
        if (batch != null) {
            batch.flush();
        }
    }

    /** Takes an outbox's hand-off if this thread has a batch open; false if it has none. */
    static boolean defer(SessionOutbox outbox) {
        WriteBatch batch = CURRENT.get();
        if (batch == null) {
            return false;
        }
        batch.deferred.add(outbox);
        return true;
    }

    /**
     * Hands over every outbox deferred so far; the batch stays open. A hand-off that fails does not
     * keep the others from theirs: the first failure is thrown once all were tried. (An {@link
     * Error} ends the loop; the list is cleared all the same, so nothing is handed over twice.)
     */
    public void flush() {
        if (this == NESTED || deferred.isEmpty()) {
            return;
        }
        RuntimeException failure = null;
        try {
            // By index: a hand-off the writers refuse drains here, which may queue more.
            for (int i = 0; i < deferred.size(); i++) {
                try {
                    deferred.get(i).handOver();
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
            }
        } finally {
            deferred.clear();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Hands over what is deferred and ends the batch; only on the thread that opened it. */
    @Override
    public void close() {
        if (this == NESTED) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a write batch is closed by the thread that opened it");
        }
        try {
            flush();
        } finally {
            CURRENT.remove();
        }
    }
}
