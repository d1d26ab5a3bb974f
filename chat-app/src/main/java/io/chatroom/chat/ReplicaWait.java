package io.chatroom.chat;

import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Redis {@code WAIT} for one connection, coalesced: at most one WAIT is in flight, and it covers
 * every write this connection made before it was sent, so writes that completed meanwhile share the
 * next one. WAIT counts the replicas that acknowledged this connection's last write, which is why
 * it must run on the very connection that wrote.
 */
final class ReplicaWait {
    private final BaseRedisAsyncCommands<byte[], byte[]> connection;
    private final int replicas;
    private final long timeoutMillis;
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();
    private boolean inFlight;

    ReplicaWait(
            BaseRedisAsyncCommands<byte[], byte[]> connection, int replicas, long timeoutMillis) {
        this.connection = connection;
        this.replicas = replicas;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Completes once at least {@code replicas} replicas hold every write this connection made
     * before the call; fails with {@link ReplicasMissingException} if fewer had it within the
     * timeout.
     */
    CompletableFuture<Void> afterWrite() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this) {
            waiting.add(done);
            if (inFlight) {
                return done;
            }
            inFlight = true;
        }
        issue();
        return done;
    }

    private void issue() {
        List<CompletableFuture<Void>> batch;
        synchronized (this) {
            batch = waiting;
            waiting = new ArrayList<>();
        }
        connection
                .waitForReplication(replicas, timeoutMillis)
                .whenComplete(
                        (acked, failure) -> {
                            for (CompletableFuture<Void> f : batch) {
                                if (failure != null) {
                                    f.completeExceptionally(failure);
                                } else if (acked < replicas) {
                                    f.completeExceptionally(
                                            new ReplicasMissingException(acked, replicas));
                                } else {
                                    f.complete(null);
                                }
                            }
                            synchronized (this) {
                                if (waiting.isEmpty()) {
                                    inFlight = false;
                                    return;
                                }
                            }
                            issue();
                        });
    }

    /** Fewer replicas than asked acknowledged a write in time; the write may still be stored. */
    public static final class ReplicasMissingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReplicasMissingException(long acked, int wanted) {
            super("only " + acked + " of " + wanted + " replicas acknowledged in time");
        }
    }
}
