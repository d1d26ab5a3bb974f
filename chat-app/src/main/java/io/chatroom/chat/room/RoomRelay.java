package io.chatroom.chat.room;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.RedisPubSub;
import io.chatroom.chat.presence.PresenceTracker;
import io.chatroom.chat.stomp.FrameSink;
import io.chatroom.common.RedisKeys;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Relays the rooms this server's clients subscribed to from Redis to them. A room is live here
 * while it has a local subscriber: it then listens to the room's message and presence channels and
 * owns a {@link RoomStream} and a {@link RoomPresence}; when its last local subscriber leaves, it
 * stops listening and is forgotten, so memory and periodic work follow the active rooms.
 *
 * <p>Everything of one room runs on the room's serial executor, so replays, live frames and
 * presence updates of a room never interleave, while rooms proceed in parallel.
 */
@Component
public class RoomRelay {
    private static final Logger log = LoggerFactory.getLogger(RoomRelay.class);

    /** A room released while a subscribe waited for it is set up again; this often at most. */
    private static final int MAX_SUBSCRIBE_ATTEMPTS = 3;

    /** States of a subscribe handed to a room's executor. */
    private static final int PENDING = 0;

    private static final int RUNNING = 1;
    private static final int CANCELLED = 2;

    private final Map<String, Room> rooms = new ConcurrentHashMap<>();
    private final AtomicBoolean syncing = new AtomicBoolean();
    private final RoomLog roomLog;
    private final PresenceTracker presence;
    private final FrameSink sink;
    private final RedisPubSub pubSub;
    private final RedisKeys keys;
    private final JsonMapper json;
    private final Executor pool;
    private final Duration subscribeTimeout;
    private final TaskScheduler scheduler;

    /** How long after a re-sync found a room ahead of its cursor the room is checked again. */
    private final Duration confirmAfter;

    private final RelayMeters meters;

    RoomRelay(
            RoomLog roomLog,
            PresenceTracker presence,
            FrameSink sink,
            RedisPubSub pubSub,
            RedisKeys keys,
            JsonMapper json,
            @Qualifier("relayExecutor") Executor pool,
            @Qualifier("chatTaskScheduler") TaskScheduler scheduler,
            ChatroomProperties properties,
            MeterRegistry meters) {
        this.roomLog = roomLog;
        this.presence = presence;
        this.sink = sink;
        this.pubSub = pubSub;
        this.keys = keys;
        this.json = json;
        this.pool = pool;
        this.subscribeTimeout = properties.relay().subscribeTimeout();
        this.meters = RelayMeters.register(meters);
        Gauge.builder("chatroom.rooms.active", rooms, Map::size)
                .description("rooms with a subscriber on this server")
                .register(meters);
        this.scheduler = scheduler;
        this.confirmAfter = properties.relay().syncInterval().dividedBy(4);
        scheduler.scheduleWithFixedDelay(this::syncAll, properties.relay().syncInterval());
    }

    /** One room's state on this server and its own listener on the room's channels. */
    private final class Room implements RedisPubSub.Listener {
        final String name;
        final SerialExecutor executor = new SerialExecutor(pool);
        final List<String> channels;
        final String presenceChannel;
        final RoomStream stream;
        final RoomPresence presenceSubs;

        /** Live messages handed to the executor and not yet processed. */
        final AtomicInteger queuedLive = new AtomicInteger();

        // Touched only on the executor.
        boolean listening;
        boolean released;

        Room(String name) {
            this.name = name;
            this.channels = List.of(keys.roomChannel(name), keys.presenceChannel(name));
            this.presenceChannel = keys.presenceChannel(name);
            this.stream = new RoomStream(name, roomLog, sink, meters);
            this.presenceSubs = new RoomPresence(name, sink, json);
        }

        /** Called on the Redis I/O thread: only hands the message over. */
        @Override
        public void onMessage(String channel, byte[] message) {
            if (channel.equals(presenceChannel)) {
                executor.execute(this::refreshPresence);
            } else {
                String body = new String(message, StandardCharsets.UTF_8);
                queuedLive.incrementAndGet();
                executor.executeBatched(
                        () -> {
                            queuedLive.decrementAndGet();
                            if (listening) {
                                stream.onLive(body);
                            }
                        });
            }
        }

        /**
         * Listens first, then reads the counter: a message published in between is either seen live
         * (and dropped as a duplicate if at or below the cursor) or caught by the next sync.
         */
        void listen() {
            if (listening) {
                return;
            }
            try {
                pubSub.subscribe(this, channels);
                stream.start();
            } catch (DataAccessException e) {
                pubSub.unsubscribe(this, channels);
                throw e;
            }
            listening = true;
        }

        /** Stops listening and forgets the room once nobody here subscribes to it. */
        void releaseIfIdle() {
            if (released || !stream.isEmpty() || !presenceSubs.isEmpty()) {
                return;
            }
            if (listening) {
                pubSub.unsubscribe(this, channels);
                listening = false;
            }
            released = true;
            rooms.remove(name, this);
        }

        void refreshPresence() {
            if (!listening || presenceSubs.isEmpty()) {
                return;
            }
            try {
                presenceSubs.update(presence.users(name));
            } catch (DataAccessException e) {
                log.debug("presence read of room {} failed: {}", name, e.toString());
            }
        }

        /** The second look at a counter the re-sync found ahead of the cursor. */
        void recheck(long latest) {
            if (listening) {
                stream.sync(latest, queuedLive.get() > 0);
            }
        }

        /** A re-sync with the room's counter, or only its presence when that is unknown. */
        void sync(long latest) {
            if (listening) {
                if (latest != RoomLog.UNKNOWN) {
                    stream.sync(latest, queuedLive.get() > 0);
                }
                refreshPresence();
            }
        }

        void remove(String key) {
            String user = stream.unsubscribe(key);
            if (user != null) {
                presence.leave(name, user);
            }
            presenceSubs.unsubscribe(key);
            releaseIfIdle();
        }
    }

    private enum Outcome {
        ADDED,
        SESSION_CLOSED,
        ROOM_RELEASED
    }

    /**
     * Adds a subscriber of the room's messages: replays what it asked for, then it gets every later
     * message exactly once. Returns after the replay was written, so a receipt, if any, is sent
     * after the replay and before any live frame. Returns false, adding nothing, if the session
     * closed meanwhile.
     *
     * @throws RoomUnavailableException when Redis cannot be read in time; nothing is added then
     */
    public boolean subscribeMessages(
            String room,
            String sessionId,
            String subscriptionId,
            String user,
            Replay replay,
            String receiptId) {
        String key = key(sessionId, subscriptionId);
        return subscribe(
                room,
                key,
                r -> {
                    r.listen();
                    if (!r.stream.subscribe(
                            key, sessionId, subscriptionId, user, replay, receiptId)) {
                        return Outcome.SESSION_CLOSED;
                    }
                    presence.join(room, user);
                    return Outcome.ADDED;
                });
    }

    /**
     * Adds a subscriber of the room's presence; it gets the current set at once. Returns false,
     * adding nothing, if the session closed meanwhile.
     *
     * @throws RoomUnavailableException when Redis cannot be read in time; nothing is added then
     */
    public boolean subscribePresence(
            String room, String sessionId, String subscriptionId, String receiptId) {
        String key = key(sessionId, subscriptionId);
        return subscribe(
                room,
                key,
                r -> {
                    r.listen();
                    List<String> users = presence.users(room);
                    return r.presenceSubs.subscribe(
                                    key, sessionId, subscriptionId, receiptId, users)
                            ? Outcome.ADDED
                            : Outcome.SESSION_CLOSED;
                });
    }

    private interface RoomTask {
        Outcome run(Room room);
    }

    private boolean subscribe(String roomName, String key, RoomTask task) {
        for (int attempt = 0; attempt < MAX_SUBSCRIBE_ATTEMPTS; attempt++) {
            Room room = rooms.computeIfAbsent(roomName, Room::new);
            Outcome outcome =
                    runAndWait(
                            room,
                            key,
                            () -> {
                                if (room.released) {
                                    return Outcome.ROOM_RELEASED;
                                }
                                try {
                                    Outcome result = task.run(room);
                                    if (result != Outcome.ADDED) {
                                        room.releaseIfIdle();
                                    }
                                    return result;
                                } catch (RuntimeException e) {
                                    room.remove(key);
                                    throw e;
                                }
                            });
            if (outcome != Outcome.ROOM_RELEASED) {
                return outcome == Outcome.ADDED;
            }
        }
        throw new RoomUnavailableException("room " + roomName + " is being set up, retry");
    }

    /**
     * Runs a subscribe on the room's executor and waits for it. If it does not finish in time the
     * subscribe fails, and it must not take effect later: if it has not started it never will, and
     * if it has, a removal queued behind it undoes it.
     */
    private Outcome runAndWait(Room room, String key, Supplier<Outcome> task) {
        AtomicInteger state = new AtomicInteger(PENDING);
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        room.executor.execute(
                () -> {
                    if (!state.compareAndSet(PENDING, RUNNING)) {
                        // Given up on before it started: a room it alone created is dropped.
                        room.releaseIfIdle();
                        return;
                    }
                    try {
                        done.complete(task.get());
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                });
        try {
            return done.get(subscribeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(room, key, state);
            throw new RoomUnavailableException("interrupted");
        } catch (TimeoutException e) {
            abandon(room, key, state);
            throw new RoomUnavailableException("room " + room.name + " did not answer in time");
        } catch (ExecutionException e) {
            throw new RoomUnavailableException("room " + room.name + " unavailable");
        }
    }

    private void abandon(Room room, String key, AtomicInteger state) {
        if (!state.compareAndSet(PENDING, CANCELLED)) {
            room.executor.execute(() -> room.remove(key));
        }
    }

    /** Removes a subscription of the room (messages or presence); harmless if there is none. */
    public void unsubscribe(String roomName, String sessionId, String subscriptionId) {
        Room room = rooms.get(roomName);
        if (room != null) {
            String key = key(sessionId, subscriptionId);
            room.executor.execute(() -> room.remove(key));
        }
    }

    private static String key(String sessionId, String subscriptionId) {
        return sessionId + '\u0000' + subscriptionId;
    }

    /** Rooms with a subscriber on this server. */
    public int activeRooms() {
        return rooms.size();
    }

    /**
     * Re-syncs every active room with its counter and its presence, on a relay thread and one
     * re-sync at a time: a slow Redis must neither pile re-syncs up nor hold the scheduler's
     * threads.
     */
    void syncAll() {
        if (!syncing.compareAndSet(false, true)) {
            return;
        }
        try {
            pool.execute(
                    () -> {
                        try {
                            syncCounters();
                        } catch (RuntimeException e) {
                            // The next interval tries again; nothing else waits on this.
                            log.warn("re-sync of the active rooms failed", e);
                        } finally {
                            syncing.set(false);
                        }
                    });
        } catch (RejectedExecutionException e) {
            syncing.set(false);
        }
    }

    /**
     * The counters are read in batches (not one blocking read per room on its executor); a room is
     * handed to its executor only when its counter differs from where its stream stood before the
     * read, or it has presence subscribers, so an idle room costs a key in one MGET. A room whose
     * counter is unknown this time (its Redis did not answer) waits for the next re-sync; its
     * presence is still refreshed.
     */
    private void syncCounters() {
        List<Room> active = new ArrayList<>(rooms.values());
        if (active.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>(active.size());
        long[] cursors = new long[active.size()];
        for (int i = 0; i < cursors.length; i++) {
            Room room = active.get(i);
            names.add(room.name);
            cursors[i] = room.stream.cursor();
        }
        long[] latest = roomLog.latestSeqs(names, cursors);
        for (int i = 0; i < cursors.length; i++) {
            Room room = active.get(i);
            long seq = latest[i];
            if (seq != cursors[i] || room.presenceSubs.isWatched()) {
                room.executor.execute(() -> room.sync(seq));
            }
            if (seq != RoomLog.UNKNOWN && seq > cursors[i]) {
                // The stream repairs a counter seen ahead twice; the second look comes soon, so a
                // message pub/sub lost (or, with durable acks, never published after a failed
                // WAIT) waits a fraction of the interval, not a whole one more.
                scheduler.schedule(
                        () -> room.executor.execute(() -> room.recheck(seq)),
                        Instant.now().plus(confirmAfter));
            }
        }
    }

    /** Redis lost its data (the cluster epoch changed): every room re-syncs at once. */
    public void redisDataLost() {
        for (Room room : rooms.values()) {
            room.executor.execute(
                    () -> {
                        if (room.listening) {
                            room.stream.dataLost();
                        }
                    });
        }
    }
}
