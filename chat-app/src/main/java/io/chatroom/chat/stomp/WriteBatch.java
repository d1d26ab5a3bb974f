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
 * the server has the least CPU to spare (with the servers on one core, 1.0 frames per write against
 * 6-10 on two). Held back until the relay has run every message it had queued, a session sends all
 * of the run's frames in one write. A run of one message, the usual case on an idle server, hands
 * over as it ends, so nothing waits longer than the run that queued it; {@link #flush} lets a long
 * run hand over part-way.
 *
 * <p>Only the thread that opened a batch defers into it; an outbox offered frames on any other
 * thread hands itself over at once, as before.
 */
public final class WriteBatch implements AutoCloseable {
    private static final ThreadLocal<WriteBatch> CURRENT = new ThreadLocal<>();

    /** Nested opens on one thread share the outermost batch; only it hands over. */
    private static final WriteBatch NESTED = new WriteBatch();

    private final List<SessionOutbox> deferred = new ArrayList<>();

    private WriteBatch() {}

    /** Opens a batch on this thread, to close (try-with-resources) on the same thread. */
    public static WriteBatch open() {
        if (CURRENT.get() != null) {
            return NESTED;
        }
        WriteBatch batch = new WriteBatch();
        CURRENT.set(batch);
        return batch;
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

    /** Hands over every outbox deferred so far; the batch stays open. */
    public void flush() {
        if (this == NESTED) {
            return;
        }
        // Index loop: a hand-off that fails falls back to writing on this thread, which may defer
        // nothing new (the outbox already holds its writing flag) but must not trip an iterator.
        for (int i = 0; i < deferred.size(); i++) {
            deferred.get(i).handOver();
        }
        deferred.clear();
    }

    /** Hands over what is deferred and ends the batch. */
    @Override
    public void close() {
        if (this == NESTED) {
            return;
        }
        try {
            flush();
        } finally {
            CURRENT.remove();
        }
    }
}
