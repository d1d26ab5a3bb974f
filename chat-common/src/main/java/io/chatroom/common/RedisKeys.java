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

    /** Redis Cluster's slots, and the slots of one shard's block. */
    private static final int SLOTS = 16384;

    private static final int BLOCK = SLOTS / SHARDS;

    /** The hash tag of each shard: tag i hashes to a slot in the i-th block of 256 slots. */
    private static final String[] TAGS = tags();

    /**
     * Stable across JVMs ({@link String#hashCode()} is specified), and even: the hash's bits are
     * mixed first (Murmur3's finaliser), since names that differ only in a numeric suffix left
     * {@code hashCode() mod 64} using 52-58 of the 64 shards, 1 to 40 rooms per shard
     * (docs/scaling.md).
     */
    public static int shardOf(String room) {
        int h = room.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return Math.floorMod(h, SHARDS);
    }

    /**
     * The shard's hash tag with the prefix. The 64 tags fall one in every block of 256 slots, so
     * any even split of the slots over masters (as {@code redis-cli --cluster create} makes) gives
     * each master as many shards as it can: 21 / 21 / 22 over three ({@code {s0}..{s63}} split 21 /
     * 20 / 23).
     */
    public String tag(int shard) {
        return prefix + ":{" + TAGS[shard] + "}";
    }

    /** The Redis Cluster slot of a hash tag's text: CRC16 (XMODEM) mod 16384. */
    static int slot(String tag) {
        int crc = 0;
        for (byte b : tag.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return (crc & 0xffff) % SLOTS;
    }

    /**
     * For each shard i, the first of {@code s<i>}, {@code s<i>.1}, ... whose slot is in block i.
     */
    private static String[] tags() {
        String[] tags = new String[SHARDS];
        for (int shard = 0; shard < SHARDS; shard++) {
            String tag = "s" + shard;
            for (int n = 1; slot(tag) / BLOCK != shard; n++) {
                tag = "s" + shard + "." + n;
            }
            tags[shard] = tag;
        }
        return tags;
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
