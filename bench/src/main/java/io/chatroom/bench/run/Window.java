package io.chatroom.bench.run;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/** One measured window shared by all receivers: latency recorder, delivery count, completion. */
final class Window {
    private static final int SIGNIFICANT_DIGITS = 3;

    final long firstSeq;
    final int messages;
    final Recorder latencyMicros = new Recorder(SIGNIFICANT_DIGITS);
    final LongAdder delivered = new LongAdder();
    final CountDownLatch receiversDone;

    Window(long firstSeq, int messages, int receivers) {
        this.firstSeq = firstSeq;
        this.messages = messages;
        this.receiversDone = new CountDownLatch(receivers);
    }
}
