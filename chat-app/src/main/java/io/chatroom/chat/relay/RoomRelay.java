package io.chatroom.chat.relay;

import io.chatroom.chat.config.ChatroomProperties;
import io.chatroom.chat.messaging.RoomLog;
import io.chatroom.chat.presence.PresenceTracker;
import io.chatroom.common.Presence;
import io.chatroom.common.RedisKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.data.redis.listener.Topic;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Forwards every room message from Redis to this server's subscribers exactly once and in seq
 * order. Per room it keeps the last seq forwarded: the next seq is forwarded, older ones are
 * dropped as duplicates, and a jump is first filled from the room's window (pub/sub is
 * at-most-once). A periodic re-sync against the room's counter catches lost trailing messages and
 * recovers after Redis outages; it also raises a counter found below what this server already
 * forwarded (Redis came back with older data), so seqs are not given out twice. All work of one
 * room runs on one serial executor, so replays, live frames and presence updates of a room never
 * interleave.
 */
@Component
public class RoomRelay implements MessageListener {
    private static final Logger log = LoggerFactory.getLogger(RoomRelay.class);

    /** Native header on the first frame of a resume that could not start right after N. */
    public static final String WINDOW_START_HEADER = "x-window-start";

    private static final String TOPIC_PREFIX = "/topic/rooms/";
    private static final String PRESENCE_SUFFIX = "/presence";

    private final Map<String, RoomState> rooms = new ConcurrentHashMap<>();

    /** Redis channel -> room, for both message and presence channels. */
    private final Map<String, String> roomByChannel = new ConcurrentHashMap<>();

    /** sessionId -> subscriptionId -> room. */
    private final Map<String, Map<String, String>> subscriptionsBySession =
            new ConcurrentHashMap<>();

    private final RoomLog roomLog;
    private final PresenceTracker presence;
    private final FrameWriter frames;
    private final RedisMessageListenerContainer container;
    private final RedisKeys keys;
    private final JsonMapper json;
    private final Executor pool;
    private final Duration subscribeTimeout;
    private final Counter forwarded;
    private final Counter gapRepairs;
    private final Counter duplicates;
    private final Timer deliveryLatency;

    RoomRelay(
            RoomLog roomLog,
            PresenceTracker presence,
            FrameWriter frames,
            RedisMessageListenerContainer container,
            RedisKeys keys,
            JsonMapper json,
            @Qualifier("relayExecutor") Executor pool,
            @Qualifier("chatTaskScheduler") TaskScheduler scheduler,
            ChatroomProperties properties,
            MeterRegistry meters) {
        this.roomLog = roomLog;
        this.presence = presence;
        this.frames = frames;
        this.container = container;
        this.keys = keys;
        this.json = json;
        this.pool = pool;
        this.subscribeTimeout = properties.relay().subscribeTimeout();
        this.forwarded =
                Counter.builder("chatroom.messages.forwarded")
                        .description("message frames written to subscribers")
                        .register(meters);
        this.gapRepairs =
                Counter.builder("chatroom.relay.gap.repairs")
                        .description("gaps in pub/sub filled from the window")
                        .register(meters);
        this.duplicates =
                Counter.builder("chatroom.relay.duplicates")
                        .description("pub/sub messages dropped as already forwarded")
                        .register(meters);
        this.deliveryLatency =
                Timer.builder("chatroom.delivery.latency")
                        .description("sentAt to forwarded by this server")
                        .publishPercentiles(0.5, 0.95, 0.99)
                        .register(meters);
        scheduler.scheduleWithFixedDelay(this::syncAll, properties.relay().syncInterval());
    }

    /** One subscriber's request: live only, last {@code history} messages, or after a seq. */
    public record Replay(int history, Long resumeAfter) {
        public static final Replay NONE = new Replay(0, null);
    }

    private static final class Subscriber {
        final String sessionId;
        final String subscriptionId;
        final String escapedSubscriptionId;
        final String user;
        long delivered;

        /** For a resume: the seq the client expects first; 0 once checked. */
        long expectedFirst;

        /** The session's outbox, looked up at the first message frame. */
        SessionOutbox session;

        Subscriber(String sessionId, String subscriptionId, String user) {
            this.sessionId = sessionId;
            this.subscriptionId = subscriptionId;
            this.escapedSubscriptionId = MessageFrame.escape(subscriptionId);
            this.user = user;
        }
    }

    private final class RoomState {
        final String room;
        final String destination;
        final String presenceDestination;
        final SerialExecutor executor = new SerialExecutor(pool);
        final List<Topic> topics;

        /**
         * Live messages handed to the executor and not yet processed. While some are queued, the
         * re-sync leaves the room alone: a backlog longer than the window would otherwise be
         * "repaired" from a window that no longer holds its start, skipping seqs still queued.
         */
        final AtomicInteger queuedLive = new AtomicInteger();

        // Fields below are touched only on the executor.
        final Map<String, Subscriber> messageSubs = new LinkedHashMap<>();
        final Map<String, Subscriber> presenceSubs = new LinkedHashMap<>();
        boolean active;
        long cursor;
        List<String> lastPresence;

        RoomState(String room) {
            this.room = room;
            this.destination = TOPIC_PREFIX + room;
            this.presenceDestination = TOPIC_PREFIX + room + PRESENCE_SUFFIX;
            this.topics =
                    List.of(
                            new ChannelTopic(keys.roomChannel(room)),
                            new ChannelTopic(keys.presenceChannel(room)));
        }
    }

    private RoomState state(String room) {
        return rooms.computeIfAbsent(
                room,
                r -> {
                    RoomState state = new RoomState(r);
                    roomByChannel.put(keys.roomChannel(r), r);
                    roomByChannel.put(keys.presenceChannel(r), r);
                    return state;
                });
    }

    // ---- subscriptions (called from the session's inbound thread) ----

    /**
     * Adds a subscriber of the room's messages: replays what it asked for, then it gets every later
     * message exactly once. Returns after the replay was written, so a receipt, if any, is sent
     * after the replay and before any live frame.
     *
     * @throws RelayUnavailableException when Redis cannot be read in time
     */
    public void subscribeMessages(
            String room,
            String sessionId,
            String subscriptionId,
            String user,
            Replay replay,
            String receiptId) {
        RoomState state = state(room);
        runAndWait(
                state,
                () -> {
                    activate(state);
                    Subscriber sub = new Subscriber(sessionId, subscriptionId, user);
                    List<String> replayed = replayFor(state, sub, replay);
                    for (String message : replayed) {
                        long seq = MessageJson.seq(message);
                        if (deliver(sub, new MessageFrame(state.destination, seq, message), seq)) {
                            forwarded.increment();
                        }
                    }
                    // Seqs trimmed from the window are skipped; live frames continue after cursor.
                    sub.delivered = Math.max(sub.delivered, state.cursor);
                    state.messageSubs.put(key(sessionId, subscriptionId), sub);
                    if (receiptId != null) {
                        frames.receipt(sessionId, receiptId);
                    }
                    presence.join(room, user);
                });
        remember(sessionId, subscriptionId, room);
    }

    /** Adds a subscriber of the room's presence; it gets the current set at once. */
    public void subscribePresence(
            String room, String sessionId, String subscriptionId, String user, String receiptId) {
        RoomState state = state(room);
        runAndWait(
                state,
                () -> {
                    activate(state);
                    Subscriber sub = new Subscriber(sessionId, subscriptionId, user);
                    if (receiptId != null) {
                        frames.receipt(sessionId, receiptId);
                    }
                    List<String> users = presence.users(room);
                    state.presenceSubs.put(key(sessionId, subscriptionId), sub);
                    if (state.lastPresence == null) {
                        state.lastPresence = users;
                    }
                    sendPresence(state, sub, users);
                });
        remember(sessionId, subscriptionId, room);
    }

    public void unsubscribe(String sessionId, String subscriptionId) {
        Map<String, String> subs = subscriptionsBySession.get(sessionId);
        String room = subs == null ? null : subs.remove(subscriptionId);
        if (room != null) {
            RoomState state = state(room);
            state.executor.execute(() -> remove(state, key(sessionId, subscriptionId)));
        }
    }

    public void sessionClosed(String sessionId) {
        Map<String, String> subs = subscriptionsBySession.remove(sessionId);
        if (subs == null) {
            return;
        }
        subs.forEach(
                (subscriptionId, room) -> {
                    RoomState state = state(room);
                    state.executor.execute(() -> remove(state, key(sessionId, subscriptionId)));
                });
    }

    private void remember(String sessionId, String subscriptionId, String room) {
        subscriptionsBySession
                .computeIfAbsent(sessionId, s -> new ConcurrentHashMap<>())
                .put(subscriptionId, room);
    }

    private void remove(RoomState state, String subscriptionKey) {
        Subscriber sub = state.messageSubs.remove(subscriptionKey);
        if (sub != null) {
            presence.leave(state.room, sub.user);
        }
        state.presenceSubs.remove(subscriptionKey);
        if (state.messageSubs.isEmpty() && state.presenceSubs.isEmpty() && state.active) {
            container.removeMessageListener(this, state.topics);
            state.active = false;
            state.lastPresence = null;
        }
    }

    private static String key(String sessionId, String subscriptionId) {
        return sessionId + '\u0000' + subscriptionId;
    }

    private void runAndWait(RoomState state, Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        state.executor.execute(
                () -> {
                    try {
                        task.run();
                        done.complete(null);
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                });
        try {
            done.get(subscribeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayUnavailableException("interrupted");
        } catch (TimeoutException e) {
            throw new RelayUnavailableException("room " + state.room + " did not answer in time");
        } catch (ExecutionException e) {
            throw new RelayUnavailableException("room " + state.room + " unavailable");
        }
    }

    // ---- on the room's executor ----

    private void activate(RoomState state) {
        if (state.active) {
            return;
        }
        // Listen first, then read the counter: a message published in between is either seen
        // live (and dropped as a duplicate if at or below the cursor) or caught by the re-sync.
        container.addMessageListener(this, state.topics);
        try {
            state.cursor = roomLog.currentSeq(state.room);
        } catch (DataAccessException e) {
            container.removeMessageListener(this, state.topics);
            throw e;
        }
        state.active = true;
    }

    /** Sets where the subscriber starts and returns the window part it must get first. */
    private List<String> replayFor(RoomState state, Subscriber sub, Replay replay) {
        long cursor = state.cursor;
        if (replay.resumeAfter() != null) {
            long after = replay.resumeAfter();
            sub.expectedFirst = after + 1;
            // A client ahead of this server skips what it already has.
            sub.delivered = after;
            return after >= cursor
                    ? List.of()
                    : new ArrayList<>(roomLog.window(state.room, after + 1, cursor));
        }
        if (replay.history() > 0) {
            long from = Math.max(1, cursor - replay.history() + 1);
            sub.delivered = from - 1;
            return new ArrayList<>(roomLog.window(state.room, from, cursor));
        }
        sub.delivered = cursor;
        return List.of();
    }

    @Override
    public void onMessage(Message message, byte[] pattern) {
        String channel = new String(message.getChannel(), StandardCharsets.UTF_8);
        String room = roomByChannel.get(channel);
        if (room == null) {
            return;
        }
        RoomState state = state(room);
        if (channel.equals(keys.presenceChannel(room))) {
            state.executor.execute(() -> refreshPresence(state));
        } else {
            String body = new String(message.getBody(), StandardCharsets.UTF_8);
            state.queuedLive.incrementAndGet();
            state.executor.execute(() -> onLive(state, body));
        }
    }

    private void onLive(RoomState state, String message) {
        state.queuedLive.decrementAndGet();
        if (!state.active) {
            return;
        }
        long seq = MessageJson.seq(message);
        if (seq <= state.cursor) {
            duplicates.increment();
            return;
        }
        if (seq > state.cursor + 1 && !repair(state, seq - 1)) {
            // Leave the cursor where it is: the next re-sync fills the gap and this message.
            return;
        }
        forward(state, seq, message);
    }

    /** Forwards everything after the cursor up to {@code toSeq} from the window. */
    private boolean repair(RoomState state, long toSeq) {
        try {
            for (String missed : roomLog.window(state.room, state.cursor + 1, toSeq)) {
                forward(state, MessageJson.seq(missed), missed);
            }
        } catch (DataAccessException e) {
            log.debug("gap repair of room {} failed: {}", state.room, e.toString());
            return false;
        }
        gapRepairs.increment();
        // Seqs trimmed from the window are gone for this server; clients read them from the
        // archiver (a resume tells them with x-window-start).
        state.cursor = Math.max(state.cursor, toSeq);
        return true;
    }

    private void forward(RoomState state, long seq, String message) {
        if (seq <= state.cursor) {
            return;
        }
        state.cursor = seq;
        roomLog.noteSeq(state.room, seq);
        if (state.messageSubs.isEmpty()) {
            return;
        }
        MessageFrame frame = new MessageFrame(state.destination, seq, message);
        int written = 0;
        for (Subscriber sub : state.messageSubs.values()) {
            if (deliver(sub, frame, seq)) {
                written++;
            }
        }
        forwarded.increment(written);
        try {
            deliveryLatency.record(Duration.between(MessageJson.sentAt(message), Instant.now()));
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
        if (sub.session == null) {
            sub.session = frames.session(sub.sessionId);
            if (sub.session == null) {
                // Closed: the disconnect removes this subscriber shortly.
                return false;
            }
        }
        frames.send(sub.session, frame.forSubscription(sub.escapedSubscriptionId, windowStart));
        return true;
    }

    private void refreshPresence(RoomState state) {
        if (!state.active || state.presenceSubs.isEmpty()) {
            return;
        }
        List<String> users;
        try {
            users = presence.users(state.room);
        } catch (DataAccessException e) {
            log.debug("presence read of room {} failed: {}", state.room, e.toString());
            return;
        }
        if (users.equals(state.lastPresence)) {
            return;
        }
        state.lastPresence = users;
        for (Subscriber sub : state.presenceSubs.values()) {
            sendPresence(state, sub, users);
        }
    }

    private void sendPresence(RoomState state, Subscriber sub, List<String> users) {
        byte[] payload = json.writeValueAsBytes(new Presence(state.room, users));
        frames.message(
                sub.sessionId, sub.subscriptionId, state.presenceDestination, payload, Map.of());
    }

    /** Re-sync every active room with its counter and its presence. */
    void syncAll() {
        for (RoomState state : rooms.values()) {
            state.executor.execute(() -> sync(state));
        }
    }

    private void sync(RoomState state) {
        if (!state.active) {
            return;
        }
        try {
            long latest = raiseIfBehind(state);
            // Queued live messages come next; their own gap check repairs what pub/sub lost.
            if (latest > state.cursor && state.queuedLive.get() == 0) {
                repair(state, latest);
            }
        } catch (DataAccessException e) {
            log.debug("re-sync of room {} failed: {}", state.room, e.toString());
        }
        refreshPresence(state);
    }

    /**
     * Reads the room's counter and, if Redis holds less than this server already gave out (a
     * restart that lost the last writes, a wipe re-seeded from a lagging archive), raises it first
     * so the next SEND does not reuse a seq subscribers have seen. Returns the counter.
     */
    private long raiseIfBehind(RoomState state) {
        long latest = roomLog.currentSeq(state.room);
        long highest = Math.max(state.cursor, roomLog.highestSeen(state.room));
        if (latest > 0 && latest < highest && roomLog.raiseCounter(state.room, highest)) {
            latest = roomLog.currentSeq(state.room);
        }
        return latest;
    }

    /**
     * Redis lost its data (the cluster epoch changed): every room re-syncs at once. Its counter is
     * raised to what this server forwarded, and its cursor restarts from the counter so messages
     * Redis now holds are forwarded from the window rather than dropped as duplicates; each
     * subscription still gets every seq at most once.
     */
    public void redisDataLost() {
        for (RoomState state : rooms.values()) {
            state.executor.execute(() -> resyncAfterDataLoss(state));
        }
    }

    private void resyncAfterDataLoss(RoomState state) {
        if (!state.active) {
            return;
        }
        try {
            long latest = raiseIfBehind(state);
            if (latest > state.cursor) {
                repair(state, latest);
            } else {
                state.cursor = latest;
            }
        } catch (DataAccessException e) {
            log.debug("re-sync of room {} after data loss failed: {}", state.room, e.toString());
        }
    }
}
