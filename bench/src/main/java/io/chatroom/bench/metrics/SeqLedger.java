package io.chatroom.bench.metrics;

import java.util.BitSet;

/**
 * One receiver's account of the room's {@code seq} stream for a measured window {@code [firstSeq,
 * firstSeq + expected)}: distinct messages received, duplicates, out-of-order arrivals and gap
 * events. Not thread-safe: a WebSocket delivers one message at a time to its listener, and the
 * totals are read after the run has ended.
 */
public final class SeqLedger {
    private final long firstSeq;
    private final int expected;
    private final BitSet seen;
    private long highest;
    private int distinct;
    private int duplicates;
    private int outOfOrder;
    private int gaps;
    private int beforeWindow;
    private int beyondWindow;
    private long lastArrivalNanos;

    public SeqLedger(long firstSeq, int expected) {
        this.firstSeq = firstSeq;
        this.expected = expected;
        this.seen = new BitSet(expected);
        this.highest = firstSeq - 1;
    }

    /**
     * Records one delivery of {@code seq} that arrived at {@code nanos} (System.nanoTime) and tells
     * whether it was a first delivery of a message in the window.
     */
    public boolean record(long seq, long nanos) {
        if (seq < firstSeq) {
            beforeWindow++;
            return false;
        }
        long offset = seq - firstSeq;
        if (offset >= expected) {
            beyondWindow++;
            return false;
        }
        int index = (int) offset;
        if (seen.get(index)) {
            duplicates++;
            return false;
        }
        seen.set(index);
        distinct++;
        lastArrivalNanos = nanos;
        if (seq < highest) {
            outOfOrder++;
        } else {
            if (seq > highest + 1) {
                gaps++;
            }
            highest = seq;
        }
        return true;
    }

    public boolean complete() {
        return distinct == expected;
    }

    public int distinct() {
        return distinct;
    }

    /** Messages of the window never received (so far). */
    public int lost() {
        return expected - distinct;
    }

    public int duplicates() {
        return duplicates;
    }

    /** Messages that arrived after a higher seq had already arrived. */
    public int outOfOrder() {
        return outOfOrder;
    }

    /** Times the stream jumped forward past a seq not yet received. */
    public int gaps() {
        return gaps;
    }

    /** Deliveries with a seq above the window (someone else sent to the room). */
    public int beyondWindow() {
        return beyondWindow;
    }

    /** Deliveries with a seq below the window (warm-up messages). */
    public int beforeWindow() {
        return beforeWindow;
    }

    /** When the most recent new message of the window arrived; 0 if none did. */
    public long lastArrivalNanos() {
        return lastArrivalNanos;
    }
}
