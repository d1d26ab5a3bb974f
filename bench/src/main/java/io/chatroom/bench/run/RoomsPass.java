package io.chatroom.bench.run;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * One pass of the {@code rooms} scenario shared by every member: latency recorders, counters, and a
 * latch that opens when every member has every message of its room and every ack of its own.
 */
final class RoomsPass {
    private static final int SIGNIFICANT_DIGITS = 3;

    private final int id;
    final Recorder latencyMicros = new Recorder(SIGNIFICANT_DIGITS);
    final Recorder ackLatencyMicros = new Recorder(SIGNIFICANT_DIGITS);
    final LongAdder delivered = new LongAdder();
    final LongAdder acks = new LongAdder();
    final CountDownLatch done;

    RoomsPass(int id, int members) {
        this.id = id;
        this.done = new CountDownLatch(members);
    }

    int id() {
        return id;
    }

    long progress() {
        return delivered.sum() + acks.sum();
    }
}
