package io.chatroom.chat.stomp;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the outboxes' drains on a few threads, one per core, that take turns over every session with
 * frames queued. A drain joins what one session has queued and starts an asynchronous send, so a
 * thread never waits on a client; a thread per busy session would wake and sleep for every frame.
 *
 * <p>The one step that can still block is the close frame to a client that stopped reading (it
 * gives up after a short timeout). So that it cannot hold back the sessions queued behind it, a
 * watchdog detaches a thread that has been inside one drain longer than {@code stallAfter}: a new
 * thread takes its place, and the detached one ends once its call returns. Threads never exceed
 * {@code maxThreads}.
 */
public final class SocketWriterPool implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SocketWriterPool.class);

    private final LinkedBlockingQueue<Runnable> ready = new LinkedBlockingQueue<>();
    private final Set<Worker> workers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger attached = new AtomicInteger();
    private final AtomicInteger threadIds = new AtomicInteger();
    private final AtomicLong replaced = new AtomicLong();
    private final int lanes;
    private final int maxThreads;
    private final long stallNanos;
    private final Thread watchdog;
    private volatile boolean shutdown;

    /**
     * @param lanes threads taking turns over ready sessions
     * @param maxThreads bound on all threads, detached ones included
     * @param stallAfter how long one drain may take before its thread is replaced
     */
    public SocketWriterPool(int lanes, int maxThreads, Duration stallAfter) {
        this.lanes = lanes;
        this.maxThreads = Math.max(lanes, maxThreads);
        this.stallNanos = stallAfter.toNanos();
        for (int i = 0; i < lanes; i++) {
            startWorker();
        }
        this.watchdog = new Thread(this::watch, "socket-writer-watchdog");
        this.watchdog.setDaemon(true);
        this.watchdog.start();
    }

    @Override
    public void execute(Runnable drain) {
        if (shutdown) {
            throw new RejectedExecutionException("socket writers are shut down");
        }
        ready.add(drain);
    }

    /**
     * Threads replaced so far because one drain took longer than {@code stallAfter}: a slow
     * client's close, or on a busy machine a thread that lost its core for that long.
     */
    public long replaced() {
        return replaced.get();
    }

    /** Threads at work or waiting for work, detached ones included. */
    int threads() {
        return workers.size();
    }

    public void shutdown() {
        shutdown = true;
        watchdog.interrupt();
        for (Worker worker : workers) {
            worker.thread.interrupt();
        }
    }

    private synchronized void startWorker() {
        if (shutdown || workers.size() >= maxThreads) {
            return;
        }
        Worker worker = new Worker();
        worker.thread.setName("socket-writer-" + threadIds.incrementAndGet());
        worker.thread.setDaemon(true);
        workers.add(worker);
        attached.incrementAndGet();
        worker.thread.start();
    }

    private void watch() {
        long period = Math.max(1, TimeUnit.NANOSECONDS.toMillis(stallNanos) / 2);
        while (!shutdown) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Worker worker : workers) {
                long since = worker.busySince;
                if (since != 0 && now - since > stallNanos && worker.detach()) {
                    replaced.incrementAndGet();
                    log.debug(
                            "{} is stuck on a slow socket; replacing it", worker.thread.getName());
                }
            }
            while (attached.get() < lanes && workers.size() < maxThreads && !shutdown) {
                startWorker();
            }
        }
    }

    private final class Worker implements Runnable {
        final Thread thread = new Thread(this);

        /** When the running drain started (System.nanoTime), 0 while waiting for work. */
        volatile long busySince;

        /** Replaced by another thread: ends after the drain it is stuck in. */
        private final AtomicBoolean detached = new AtomicBoolean();

        /** Takes this thread out of the lanes' count, once; true if it was counted. */
        boolean detach() {
            if (detached.compareAndSet(false, true)) {
                attached.decrementAndGet();
                return true;
            }
            return false;
        }

        @Override
        public void run() {
            try {
                while (!shutdown && !detached.get()) {
                    Runnable drain = ready.poll();
                    if (drain == null) {
                        drain = ready.poll(1, TimeUnit.SECONDS);
                        if (drain == null) {
                            continue;
                        }
                        // Woken for the first session of a relay's run: let the relay finish
                        // queuing (at once when no other thread wants the core), so this thread
                        // does not take the core from it to send one frame.
                        Thread.yield();
                    }
                    busySince = System.nanoTime();
                    try {
                        drain.run();
                    } catch (RuntimeException e) {
                        log.warn("socket write failed unexpectedly", e);
                    } finally {
                        busySince = 0;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                workers.remove(this);
                detach();
            }
        }
    }
}
