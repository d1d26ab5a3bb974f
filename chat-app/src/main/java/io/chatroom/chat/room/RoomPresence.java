package io.chatroom.chat.room;

import io.chatroom.chat.stomp.FrameSink;
import io.chatroom.chat.stomp.FrameTarget;
import io.chatroom.chat.stomp.StompFrames;
import io.chatroom.common.Presence;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local subscribers of a room's presence topic: each gets the current set of users when it
 * subscribes and again whenever the set changes. Confined to the room's serial executor, like the
 * room's {@link RoomStream}, so presence frames and receipts keep their order.
 */
final class RoomPresence {
    private static final String TOPIC_PREFIX = "/topic/rooms/";
    private static final String SUFFIX = "/presence";

    /** Presence frames' message ids, unique within the server and so within every session. */
    private static final AtomicLong MESSAGE_IDS = new AtomicLong();

    private final String room;
    private final String destination;
    private final FrameSink sink;
    private final JsonMapper json;
    private final Map<String, Subscriber> subscribers = new LinkedHashMap<>();
    private List<String> last;

    /** Whether anyone subscribes; kept beside the map for the periodic re-sync's thread. */
    private volatile boolean watched;

    private record Subscriber(String subscription, FrameTarget target) {}

    RoomPresence(String room, FrameSink sink, JsonMapper json) {
        this.room = room;
        this.destination = TOPIC_PREFIX + room + SUFFIX;
        this.sink = sink;
        this.json = json;
    }

    boolean isEmpty() {
        return subscribers.isEmpty();
    }

    /** Like {@code !isEmpty()}, from any thread. */
    boolean isWatched() {
        return watched;
    }

    /**
     * Adds a subscriber and sends it {@code users} (after the receipt, if one was asked for).
     * Returns false, adding nothing, when the session is no longer open.
     */
    boolean subscribe(
            String key,
            String sessionId,
            String subscriptionId,
            String receiptId,
            List<String> users) {
        FrameTarget target = sink.target(sessionId);
        if (target == null || !target.isWritable()) {
            return false;
        }
        Subscriber sub = new Subscriber(StompFrames.escape(subscriptionId), target);
        subscribers.put(key, sub);
        watched = true;
        if (receiptId != null) {
            target.offer(StompFrames.receipt(receiptId));
        }
        if (last == null) {
            last = users;
        }
        send(sub, users);
        return true;
    }

    boolean unsubscribe(String key) {
        boolean removed = subscribers.remove(key) != null;
        if (subscribers.isEmpty()) {
            last = null;
            watched = false;
        }
        return removed;
    }

    /** Sends {@code users} to every subscriber if it differs from what they got last. */
    void update(List<String> users) {
        if (users.equals(last)) {
            return;
        }
        last = users;
        for (Subscriber sub : subscribers.values()) {
            send(sub, users);
        }
    }

    private void send(Subscriber sub, List<String> users) {
        String body = json.writeValueAsString(new Presence(room, users));
        sub.target.offer(
                StompFrames.jsonMessage(
                        destination,
                        sub.subscription,
                        "presence-" + MESSAGE_IDS.incrementAndGet(),
                        body));
    }
}
