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

    /** A long run of live messages hands their frames to the socket writers every this many. */
    private static final int TASKS_PER_FLUSH = 16;

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

    /**
     * Runs a task that offers frames and never waits on Redis (a live message; a gap repair flushes
     * before it reads): its frames are handed to the socket writers with those of the run's other
     * such tasks, at the end of them (see WriteBatch).
     */
    void executeBatched(Runnable task) {
        tasks.add(new Batched(task));
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
        // frames of its live messages leave when they are done (every few, and before any other
        // task, which may wait on Redis), so a member with several of them gets them in one write.
        Thread.yield();
        WriteBatch batch = null;
        try {
            Runnable task;
            int batched = 0;
            while ((task = tasks.poll()) != null) {
                if (task instanceof Batched live) {
                    if (batch == null) {
                        batch = WriteBatch.open();
                    } else if (batched == TASKS_PER_FLUSH) {
                        batch.flush();
                        batched = 0;
                    }
                    batched++;
                    run(live.task());
                } else {
                    if (batch != null) {
                        WriteBatch done = batch;
                        batch = null;
                        batched = 0;
                        done.close();
                    }
                    run(task);
                }
            }
        } finally {
            try {
                if (batch != null) {
                    batch.close();
                }
            } finally {
                scheduled.set(false);
                schedule();
            }
        }
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("room task failed", e);
        }
    }

    /** A task whose frames may wait for the end of the run (it never waits on Redis itself). */
    private record Batched(Runnable task) implements Runnable {
        @Override
        public void run() {
            task.run();
        }
    }
}
