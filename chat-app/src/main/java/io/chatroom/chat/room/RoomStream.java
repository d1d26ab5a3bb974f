package io.chatroom.chat.room;

import io.chatroom.chat.stomp.FrameSink;
import io.chatroom.chat.stomp.FrameTarget;
import io.chatroom.chat.stomp.MessageFrame;
import io.chatroom.chat.stomp.StompFrames;
import io.chatroom.chat.stomp.WriteBatch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;

/**
 * One room's ordered stream on this server: every local subscriber gets each seq at most once and
 * in increasing order, and, as long as the window holds them, without a gap.
 *
 * <p>The stream keeps a cursor, the last seq forwarded. A live message at cursor + 1 is forwarded;
 * one at or below the cursor is a duplicate; one further ahead means pub/sub lost messages, which
 * are first read from the window. A periodic {@link #sync} does the same against the room's counter
 * to catch lost trailing messages. A new subscriber first gets its replay from the window, then
 * live messages after the cursor; each subscriber also remembers the last seq it got, so a replay
 * racing live traffic never shows it a seq twice.
 *
 * <p>Not thread-safe: a room's stream is only touched by the room's serial executor.
 */
final class RoomStream {
    private static final Logger log = LoggerFactory.getLogger(RoomStream.class);
    private static final String TOPIC_PREFIX = "/topic/rooms/";

    private final String room;
    private final String destination;
    private final RoomLog roomLog;
    private final FrameSink sink;
    private final RelayMeters meters;
    private final Map<String, Subscriber> subscribers = new LinkedHashMap<>();

    /** The last seq forwarded; written on the room's executor, read by the periodic re-sync. */
    private volatile long cursor;

    /** A counter the last re-sync found ahead of the cursor; 0 when it was not. */
    private long aheadAtLastSync;

    RoomStream(String room, RoomLog roomLog, FrameSink sink, RelayMeters meters) {
        this.room = room;
        this.destination = TOPIC_PREFIX + room;
        this.roomLog = roomLog;
        this.sink = sink;
        this.meters = meters;
    }

    private static final class Subscriber {
        final String subscription;
        final String user;
        final FrameTarget target;

        /** The last seq this subscriber got (or, for a resume, said it has). */
        long delivered;

        /** For a resume: the seq the client expects first; 0 once the first frame went out. */
        long expectedFirst;

        Subscriber(String subscription, String user, FrameTarget target) {
            this.subscription = subscription;
            this.user = user;
            this.target = target;
        }
    }

    /** Reads where the room stands; live messages after that are forwarded. */
    void start() {
        cursor = roomLog.latestSeq(room, 0);
    }

    long cursor() {
        return cursor;
    }

    boolean isEmpty() {
        return subscribers.isEmpty();
    }

    /**
     * Adds a subscriber: writes its replay, then a receipt if asked for; later messages follow
     * live. Returns false, adding nothing, when the session is no longer open.
     *
     * @throws DataAccessException when the window cannot be read; nothing is added then
     */
    boolean subscribe(
            String key,
            String sessionId,
            String subscriptionId,
            String user,
            Replay replay,
            String receiptId) {
        FrameTarget target = sink.target(sessionId);
        if (target == null || !target.isWritable()) {
            return false;
        }
        Subscriber sub = new Subscriber(StompFrames.escape(subscriptionId), user, target);
        for (String message : replayFor(sub, replay)) {
            long seq = MessageJson.seq(message);
            if (deliver(sub, new MessageFrame(destination, seq, message), seq)) {
                meters.forwarded().increment();
            }
        }
        // Seqs trimmed from the window are skipped; live frames continue after the cursor.
        sub.delivered = Math.max(sub.delivered, cursor);
        subscribers.put(key, sub);
        if (receiptId != null) {
            target.offer(StompFrames.receipt(receiptId));
        }
        return true;
    }

    /** Sets where the subscriber starts and returns the window part it must get first. */
    private List<String> replayFor(Subscriber sub, Replay replay) {
        if (replay.resumeAfter() != null) {
            long after = replay.resumeAfter();
            sub.expectedFirst = after + 1;
            // A client ahead of this server skips what it already has.
            sub.delivered = after;
            return after >= cursor ? List.of() : roomLog.window(room, after + 1, cursor);
        }
        if (replay.history() > 0) {
            long from = Math.max(1, cursor - replay.history() + 1);
            sub.delivered = from - 1;
            return roomLog.window(room, from, cursor);
        }
        sub.delivered = cursor;
        return List.of();
    }

    /** Removes a subscriber; returns its user, or null if there was none under this key. */
    String unsubscribe(String key) {
        Subscriber sub = subscribers.remove(key);
        return sub == null ? null : sub.user;
    }

    /** A message from pub/sub, in the order pub/sub delivered it. */
    void onLive(String message) {
        long seq = MessageJson.seq(message);
        if (seq <= cursor) {
            meters.duplicates().increment();
            return;
        }
        if (seq > cursor + 1 && !repair(seq - 1)) {
            // Leave the cursor where it is: the next sync fills the gap and this message.
            return;
        }
        forward(seq, message);
    }

    /**
     * Catches up with the room's counter, read by the periodic re-sync: forwards what pub/sub lost
     * at the end of a burst. A counter ahead of the cursor is most often a message still on its way
     * through pub/sub (the counter is read on another connection), so the gap is repaired only when
     * a second look (the relay's, a quarter interval later, or the next re-sync) finds the cursor
     * still short of the counter the first one saw, and only up to that: no window is read for
     * messages already on their way. Skipped while live messages are queued for this room: their
     * own gap check repairs what is missing, and a backlog longer than the window would otherwise
     * be "repaired" from a window that no longer holds its start.
     */
    void sync(long latest, boolean liveQueued) {
        if (latest <= cursor) {
            aheadAtLastSync = 0;
        } else if (!liveQueued) {
            if (aheadAtLastSync > cursor) {
                // Only up to what the last re-sync saw: what this one counts first may still be
                // on its way (or, with durable acks, waiting for its replicas).
                if (repair(Math.min(latest, aheadAtLastSync))) {
                    aheadAtLastSync = latest > cursor ? latest : 0;
                }
            } else {
                aheadAtLastSync = latest;
            }
        }
    }

    /**
     * The store lost its data (a new cluster epoch): the counter is raised to what was forwarded,
     * and the cursor follows the counter, so messages the store now holds are forwarded rather than
     * dropped as duplicates; each subscriber still gets every seq at most once.
     */
    void dataLost() {
        aheadAtLastSync = 0;
        try {
            long latest = roomLog.latestSeq(room, cursor);
            if (latest > cursor) {
                repair(latest);
            } else {
                cursor = latest;
            }
        } catch (DataAccessException e) {
            log.debug("re-sync of room {} after data loss failed: {}", room, e.toString());
        }
    }

    /** Forwards everything after the cursor up to {@code toSeq} from the window. */
    private boolean repair(long toSeq) {
        // Frames held for the end of the relay's run leave now, not after this read of Redis.
        WriteBatch.flushCurrent();
        try {
            for (String missed : roomLog.window(room, cursor + 1, toSeq)) {
                forward(MessageJson.seq(missed), missed);
            }
        } catch (DataAccessException e) {
            log.debug("gap repair of room {} failed: {}", room, e.toString());
            return false;
        }
        meters.gapRepairs().increment();
        // Seqs trimmed from the window are gone for this server; clients read them from the
        // archiver (a resume tells them with x-window-start).
        cursor = Math.max(cursor, toSeq);
        return true;
    }

    private void forward(long seq, String message) {
        if (seq <= cursor) {
            return;
        }
        cursor = seq;
        roomLog.forwarded(room, seq);
        if (subscribers.isEmpty()) {
            return;
        }
        MessageFrame frame = new MessageFrame(destination, seq, message);
        int written = 0;
        for (Subscriber sub : subscribers.values()) {
            if (deliver(sub, frame, seq)) {
                written++;
            }
        }
        meters.forwarded().increment(written);
        try {
            long latency = System.currentTimeMillis() - MessageJson.sentAtMillis(message);
            meters.latency().record(Math.max(0, latency), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            log.debug("unreadable sentAt: {}", e.toString());
        }
    }

    /** Writes the frame unless the subscriber already has this seq; true if written. */
    private boolean deliver(Subscriber sub, MessageFrame frame, long seq) {
        if (seq <= sub.delivered) {
            return false;
        }
        String windowStart = null;
        if (sub.expectedFirst > 0) {
            if (seq > sub.expectedFirst) {
                windowStart = Long.toString(seq);
            }
            sub.expectedFirst = 0;
        }
        sub.delivered = seq;
        if (!sub.target.isWritable()) {
            // Closed: its disconnect removes this subscriber shortly.
            return false;
        }
        sub.target.offer(frame.forSubscription(sub.subscription, windowStart));
        return true;
    }
}
