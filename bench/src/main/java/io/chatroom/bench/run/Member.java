package io.chatroom.bench.run;

import io.chatroom.bench.client.StompClient;
import io.chatroom.bench.metrics.SeqLedger;
import io.chatroom.bench.stomp.JsonFields;
import io.chatroom.bench.stomp.StompFrames;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One member of a room in the {@code rooms} scenario: subscribed to its room, it books every
 * delivery into a {@link SeqLedger} and sends its own messages with at most {@code window} unacked,
 * the next one leaving when an ack (or a refusal) comes back. No thread of its own: sends happen on
 * the thread that delivers the ack.
 */
final class Member implements StompClient.MessageSink {
    private static final long NANOS_PER_MICRO = 1000;

    /** This member's part of one pass: what it has sent, what came back, what it received. */
    private static final class Active {
        final RoomsPass pass;
        final SeqLedger ledger;
        final String idPrefix;
        final int count;
        final int window;
        final int textChars;
        final long[] sendNanos;
        final long[] ackSeq;
        int sent;
        int acked;
        int refused;
        int ackDuplicates;
        boolean counted;

        Active(
                RoomsPass pass,
                SeqLedger ledger,
                String idPrefix,
                int count,
                int window,
                int textChars) {
            this.pass = pass;
            this.ledger = ledger;
            this.idPrefix = idPrefix;
            this.count = count;
            this.window = window;
            this.textChars = textChars;
            this.sendNanos = new long[count];
            this.ackSeq = new long[count];
        }
    }

    /** What one member's sends came to, read after the pass. */
    record SendReport(int acksMissing, int refused, int ackDuplicates, int senderOrderInversions) {}

    private final int room;
    private final String sendPrefix;
    private final String idPrefix;
    private volatile StompClient client;
    private volatile Active active;
    private volatile long highestSeqSeen;
    private volatile long lastAckSeq;
    private volatile String firstError;
    private final AtomicLong acks = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private int syncs;

    Member(int room, String sendPrefix, String idPrefix) {
        this.room = room;
        this.sendPrefix = sendPrefix;
        this.idPrefix = idPrefix;
    }

    int room() {
        return room;
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

    long lastAckSeq() {
        return lastAckSeq;
    }

    long acks() {
        return acks.get();
    }

    long errors() {
        return errors.get();
    }

    String firstError() {
        return firstError;
    }

    /** Sends one unmeasured message: its ack tells where the room's seq stands. */
    void sendSync() {
        client.send(StompFrames.sendPlain(sendPrefix, idPrefix + "sync-" + (syncs++), "sync"));
    }

    /** Prepares a pass: {@code count} messages to send, the room's window to book. */
    void begin(RoomsPass pass, SeqLedger ledger, int count, int window, int textChars) {
        active = new Active(pass, ledger, idPrefix + pass.id() + "-", count, window, textChars);
    }

    /** Sends the first {@code window} messages of the pass; acks send the rest. */
    void start() {
        Active a = active;
        synchronized (this) {
            fill(a);
            checkDone(a);
        }
    }

    /** Ends the pass and reports on the sends. */
    SendReport end() {
        Active a = active;
        active = null;
        int missing = 0;
        int inversions = 0;
        long previous = 0;
        synchronized (this) {
            for (long seq : a.ackSeq) {
                if (seq == 0) {
                    missing++;
                } else if (seq > 0) {
                    if (seq < previous) {
                        inversions++;
                    }
                    previous = seq;
                }
            }
            return new SendReport(missing, a.refused, a.ackDuplicates, inversions);
        }
    }

    SeqLedger ledger() {
        Active a = active;
        return a == null ? null : a.ledger;
    }

    private void fill(Active a) {
        while (a.sent < a.count && a.sent - a.acked < a.window) {
            int i = a.sent++;
            long now = System.nanoTime();
            a.sendNanos[i] = now;
            client.send(StompFrames.send(sendPrefix, a.idPrefix + i, now, a.textChars));
        }
    }

    private void checkDone(Active a) {
        if (!a.counted && a.acked == a.count && a.ledger.complete()) {
            a.counted = true;
            a.pass.done.countDown();
        }
    }

    @Override
    public void onMessage(char subscription, CharSequence frame, int bodyStart, int bodyEnd) {
        if (subscription == StompFrames.SUB_ROOM) {
            onRoomMessage(frame, bodyStart, bodyEnd);
        } else if (subscription == StompFrames.SUB_ACKS) {
            onAck(frame, bodyStart, bodyEnd);
        } else if (subscription == StompFrames.SUB_ERRORS) {
            onRefusal(frame, bodyStart, bodyEnd);
        }
    }

    private void onRoomMessage(CharSequence frame, int bodyStart, int bodyEnd) {
        long now = System.nanoTime();
        long seq = JsonFields.longField(frame, bodyStart, bodyEnd, "seq");
        if (seq == JsonFields.MISSING) {
            return;
        }
        if (seq > highestSeqSeen) {
            highestSeqSeen = seq;
        }
        Active a = active;
        if (a == null) {
            return;
        }
        boolean wasComplete = a.ledger.complete();
        if (!a.ledger.record(seq, now)) {
            return;
        }
        a.pass.delivered.increment();
        long sentNanos = JsonFields.leadingNumberOfString(frame, bodyStart, bodyEnd, "text");
        if (sentNanos != JsonFields.MISSING) {
            a.pass.latencyMicros.recordValue(Math.max(0, (now - sentNanos) / NANOS_PER_MICRO));
        }
        if (!wasComplete && a.ledger.complete()) {
            synchronized (this) {
                checkDone(a);
            }
        }
    }

    private void onAck(CharSequence frame, int bodyStart, int bodyEnd) {
        long now = System.nanoTime();
        long seq = JsonFields.longField(frame, bodyStart, bodyEnd, "seq");
        if (seq > lastAckSeq) {
            lastAckSeq = seq;
        }
        acks.incrementAndGet();
        Active a = active;
        if (a == null) {
            return;
        }
        long index =
                JsonFields.trailingNumberOfString(frame, bodyStart, bodyEnd, "clientMessageId");
        synchronized (this) {
            if (index < 0 || index >= a.sent || a.ackSeq[(int) index] != 0 || seq <= 0) {
                a.ackDuplicates++;
                return;
            }
            int i = (int) index;
            a.ackSeq[i] = seq;
            a.acked++;
            a.pass.acks.increment();
            a.pass.ackLatencyMicros.recordValue(
                    Math.max(0, (now - a.sendNanos[i]) / NANOS_PER_MICRO));
            fill(a);
            checkDone(a);
        }
    }

    private void onRefusal(CharSequence frame, int bodyStart, int bodyEnd) {
        if (errors.incrementAndGet() == 1) {
            firstError = frame.subSequence(bodyStart, bodyEnd).toString();
        }
        Active a = active;
        if (a == null) {
            return;
        }
        long index =
                JsonFields.trailingNumberOfString(frame, bodyStart, bodyEnd, "clientMessageId");
        synchronized (this) {
            if (index < 0 || index >= a.sent || a.ackSeq[(int) index] != 0) {
                return;
            }
            a.ackSeq[(int) index] = -1;
            a.acked++;
            a.refused++;
            a.pass.acks.increment();
            fill(a);
            checkDone(a);
        }
    }
}
