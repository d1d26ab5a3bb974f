package io.chatroom.chat.send;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.stereotype.Component;

/**
 * Lets SENDs in until a graceful stop closes it, and lets the stop wait for the SENDs inside. The
 * check "still open?" and the count of SENDs inside are one atomic step, so no SEND can slip in
 * after the stop saw none inside: every SEND that stored a message is still inside while its ack is
 * queued, and the sessions are closed only after.
 */
@Component
public class SendGate {
    /** Set in the state once the gate is closed; the other bits count SENDs inside. */
    private static final int CLOSED = Integer.MIN_VALUE;

    private final AtomicInteger state = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition empty = lock.newCondition();

    /** Enters, unless the gate is closed; a true return must be followed by {@link #leave}. */
    public boolean enter() {
        while (true) {
            int current = state.get();
            if ((current & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    public void leave() {
        int now = state.decrementAndGet();
        if (now == CLOSED) {
            lock.lock();
            try {
                empty.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Closes the gate and waits up to {@code timeoutMillis} for the SENDs inside to leave; true if
     * they all did.
     */
    public boolean closeAndDrain(long timeoutMillis) throws InterruptedException {
        state.getAndUpdate(s -> s | CLOSED);
        long remaining = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (state.get() != CLOSED) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = empty.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** SENDs inside right now. */
    int inside() {
        return state.get() & ~CLOSED;
    }
}
