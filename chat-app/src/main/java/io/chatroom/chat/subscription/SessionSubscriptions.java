package io.chatroom.chat.subscription;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per open session, its subscriptions by id: what each one is subscribed to, so that an id is used
 * once per session and every subscription is undone on UNSUBSCRIBE or when the session ends.
 */
final class SessionSubscriptions {

    /** What a subscription id stands for: a room's messages or presence, or a user queue. */
    record Target(Kind kind, String room) {
        static final Target QUEUE = new Target(Kind.QUEUE, null);
    }

    enum Kind {
        MESSAGES,
        PRESENCE,
        QUEUE
    }

    private final Map<String, Map<String, Target>> bySession = new ConcurrentHashMap<>();

    /** Records the subscription; false, recording nothing, if the id is already in use. */
    boolean add(String sessionId, String subscriptionId, Target target) {
        return bySession
                        .computeIfAbsent(sessionId, s -> new ConcurrentHashMap<>())
                        .putIfAbsent(subscriptionId, target)
                == null;
    }

    boolean contains(String sessionId, String subscriptionId) {
        Map<String, Target> subs = bySession.get(sessionId);
        return subs != null && subs.containsKey(subscriptionId);
    }

    /** Forgets the subscription; returns what it was, or null. */
    Target remove(String sessionId, String subscriptionId) {
        Target[] removed = new Target[1];
        bySession.computeIfPresent(
                sessionId,
                (id, subs) -> {
                    removed[0] = subs.remove(subscriptionId);
                    return subs.isEmpty() ? null : subs;
                });
        return removed[0];
    }

    /** Forgets the session; returns its subscriptions. */
    Map<String, Target> removeSession(String sessionId) {
        Map<String, Target> subs = bySession.remove(sessionId);
        return subs == null ? Map.of() : subs;
    }
}
