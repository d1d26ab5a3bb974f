package io.chatroom.bench.run;

import io.chatroom.bench.client.StompClient;
import io.chatroom.bench.metrics.SeqLedger;
import io.chatroom.bench.stomp.JsonFields;
import io.chatroom.bench.stomp.StompFrames;

/**
 * A subscriber of the room: for every delivery it reads {@code seq} and the send time its text
 * starts with, and books both into the current window. Called on WebSocket threads, one frame at a
 * time.
 */
final class Receiver implements StompClient.MessageSink {
    private static final long NANOS_PER_MICRO = 1000;

    /** The window and this receiver's ledger, swapped together. */
    private record Measured(Window window, SeqLedger ledger) {}

    private volatile Measured measured;
    private volatile long highestSeqSeen;
    private volatile StompClient client;
    private volatile Runnable onNewDelivery;

    /** Called on every first delivery of a window message (pacing by delivery). */
    void onNewDelivery(Runnable callback) {
        this.onNewDelivery = callback;
    }

    void attach(StompClient client) {
        this.client = client;
    }

    StompClient client() {
        return client;
    }

    long highestSeqSeen() {
        return highestSeqSeen;
    }

    SeqLedger begin(Window window) {
        SeqLedger ledger = new SeqLedger(window.firstSeq, window.messages);
        measured = new Measured(window, ledger);
        return ledger;
    }

    void end() {
        measured = null;
    }

    @Override
    public void onMessage(char subscription, CharSequence frame, int bodyStart, int bodyEnd) {
        if (subscription != StompFrames.SUB_ROOM) {
            return;
        }
        long now = System.nanoTime();
        long seq = JsonFields.longField(frame, bodyStart, bodyEnd, "seq");
        if (seq == JsonFields.MISSING) {
            return;
        }
        if (seq > highestSeqSeen) {
            highestSeqSeen = seq;
        }
        Measured m = measured;
        if (m == null) {
            return;
        }
        boolean wasComplete = m.ledger.complete();
        if (!m.ledger.record(seq, now)) {
            return;
        }
        m.window.delivered.increment();
        Runnable pacing = onNewDelivery;
        if (pacing != null) {
            pacing.run();
        }
        long sentNanos = JsonFields.leadingNumberOfString(frame, bodyStart, bodyEnd, "text");
        if (sentNanos != JsonFields.MISSING) {
            m.window.latencyMicros.recordValue(Math.max(0, (now - sentNanos) / NANOS_PER_MICRO));
        }
        if (!wasComplete && m.ledger.complete()) {
            m.window.receiversDone.countDown();
        }
    }
}
