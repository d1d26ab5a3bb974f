package io.chatroom.chat.room;

import io.chatroom.chat.stomp.WriteBatch;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs its tasks one at a time, in submission order, on a shared pool: one room's events never
 * overlap, so its frames leave in seq order while rooms proceed in parallel.
 */
final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

    /** A long run hands its members' frames to the socket writers after this many tasks. */
    static final int TASKS_PER_FLUSH = 16;

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Executor pool;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        schedule();
    }

    private void schedule() {
        if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
            pool.execute(this::drain);
        }
    }

    private void drain() {
        // Woken by the Redis thread, which is still handing over the messages it read in one go:
        // on a busy core the run would take the core from it and find one message queued. Yielding
        // first (at once when no other thread wants the core) lets the run find them all, and the
        // run's frames leave when it ends (or every few tasks), so a member with several of them
        // gets them in one write (see WriteBatch).
        Thread.yield();
        try (WriteBatch batch = WriteBatch.open()) {
            Runnable task;
            int sinceFlush = 0;
            while ((task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("room task failed", e);
                }
                if (++sinceFlush == TASKS_PER_FLUSH) {
                    batch.flush();
                    sinceFlush = 0;
                }
            }
        } finally {
            scheduled.set(false);
            schedule();
        }
    }
}
