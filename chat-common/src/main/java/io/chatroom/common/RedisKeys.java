package io.chatroom.common;

/**
 * The Redis key layout shared by every app. Keys of one room share a hash tag ({@code {sN}}, one of
 * {@link #SHARDS} shards chosen by the room name), so one Lua call touches one Redis Cluster slot,
 * and the archive queue is sharded by the same tag. Every key starts with a configurable prefix so
 * that test runs and clusters can share one Redis.
 */
public final class RedisKeys {
    public static final int SHARDS = 64;

    private final String prefix;

    public RedisKeys(String prefix) {
        if (prefix == null || prefix.isBlank() || prefix.contains("{") || prefix.contains("}")) {
            throw new IllegalArgumentException("Redis key prefix must be non-blank without braces");
        }
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** Stable across JVMs: {@link String#hashCode()} is specified. */
    public static int shardOf(String room) {
        return Math.floorMod(room.hashCode(), SHARDS);
    }

    public String tag(int shard) {
        return prefix + ":{s" + shard + "}";
    }

    private String roomBase(String room) {
        return tag(shardOf(room)) + ":room:" + room;
    }

    /** INCR counter: the last seq given out in the room. */
    public String roomSeq(String room) {
        return roomBase(room) + ":seq";
    }

    /** Sorted set (score = seq, member = message JSON): the room's recent window. */
    public String roomWindow(String room) {
        return roomBase(room) + ":window";
    }

    /** Pub/sub channel carrying the room's messages (as JSON) between chat servers. */
    public String roomChannel(String room) {
        return roomBase(room) + ":messages";
    }

    /** String holding the seq a clientMessageId got, for idempotent retries. */
    public String idempotency(String room, String clientMessageId) {
        return roomBase(room) + ":idem:" + clientMessageId;
    }

    /** Presence of the room across chat servers. */
    public String roomPresence(String room) {
        return roomBase(room) + ":presence";
    }

    /** Pub/sub channel announcing that the room's presence changed. */
    public String presenceChannel(String room) {
        return roomBase(room) + ":presence-events";
    }

    /** List: the archiver's backlog for one shard (RPUSH by chat servers). */
    public String archiveQueue(int shard) {
        return tag(shard) + ":archive";
    }

    /** List: messages of one shard the archiver moved out of the queue but has not committed. */
    public String archiveProcessing(int shard) {
        return tag(shard) + ":archive:processing";
    }

    /** Lease that gives one archiver at a time the right to drain a shard. */
    public String archiveLease(int shard) {
        return tag(shard) + ":archive:lease";
    }

    /** Marks a revoked token id until the token would have expired anyway. */
    public String revokedToken(String jti) {
        return prefix + ":auth:revoked:" + jti;
    }

    /** Pub/sub channel carrying the ids of tokens revoked by logout. */
    public String revocationChannel() {
        return prefix + ":auth:revocations";
    }

    /**
     * Hash of live chat servers: id -> heartbeat JSON (coordinator-owned). The registry's keys
     * share the hash tag {@code {registry}}: its scripts touch them together, on one Redis Cluster
     * slot.
     */
    public String serverRegistry() {
        return prefix + ":{registry}:servers";
    }

    /** Sorted set of live chat servers: id -> expiry time in epoch millis. */
    public String serverExpiry() {
        return prefix + ":{registry}:expiry";
    }

    /** Hash of clients assigned to a server since its last heartbeat (coordinator-private). */
    public String serverPending() {
        return prefix + ":{registry}:pending";
    }

    /** Counter of failed logins for one subject (a client address, or a username at one). */
    public String loginFailures(String subject) {
        return prefix + ":auth:failures:" + subject;
    }

    /** Counter of registrations from one client address. */
    public String registrations(String address) {
        return prefix + ":auth:registrations:" + address;
    }

    /**
     * When SENDs may go on in the Redis process with this run id (Redis's clock, millis): set with
     * SET NX by the first chat-app that meets the process, so all hold their SENDs until the same
     * moment.
     */
    public String restartFence(String runId) {
        return prefix + ":restart-fence:" + runId;
    }

    /** Created with SET NX; its absence tells every app Redis was wiped. */
    public String epoch() {
        return prefix + ":epoch";
    }
}
