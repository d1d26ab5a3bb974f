package io.chatroom.systemtests;

import static io.chatroom.systemtests.SystemTestSupport.assertClean;
import static io.chatroom.systemtests.SystemTestSupport.closeAll;
import static io.chatroom.systemtests.SystemTestSupport.connectedClients;
import static io.chatroom.systemtests.SystemTestSupport.rooms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.common.ErrorCodes;
import io.chatroom.common.RedisKeys;
import io.chatroom.testsupport.RedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failover drill on a Redis Cluster of 3 masters and 3 replicas (redis-server processes of this
 * run): a coordinator, 2 chat-apps and the archiver on the cluster, clients sending to rooms on
 * every master, then {@code kill -9} of the master serving most of them. Its replica takes over;
 * clients see at most a short {@code unavailable} and retry. With {@code
 * chatroom.durability.replicas=1} nothing acked is lost, duplicated or reordered, at any client or
 * in PostgreSQL. With 0 the drill reports what the failover cost and asserts only what still holds
 * (order, no duplicate, service resumed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class)
class RedisClusterFailoverSystemTests {
    private static final Logger log =
            LoggerFactory.getLogger(RedisClusterFailoverSystemTests.class);
    private static final Duration TRAFFIC_TIMEOUT = Duration.ofSeconds(90);
    private static final int MASTERS = 3;
    private static final int CLIENTS = 12;
    private static final int ROOMS = 12;
    private static final int MESSAGES_PER_SECOND_PER_CLIENT = 10;
    private static final int TOTAL = 1200;
    private static final int RESHARD_ROOMS = 9;
    private static final int RESHARD_CLIENTS = 18;
    private static final int RESHARD_TOTAL = 2400;

    private RedisCluster redis;

    @BeforeAll
    void startRedisCluster() {
        SystemTestSupport.assumeRunnable();
        Assumptions.assumeTrue(
                RedisCluster.unavailableReason().isEmpty(),
                () -> "skipped: " + RedisCluster.unavailableReason().orElse(""));
        redis = RedisCluster.start(MASTERS, 1);
    }

    @AfterAll
    void stopRedisCluster() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void durableAcksLoseNothingWhenAMasterIsKilled() {
        Checker.Counts counts = drill("cluster failover, durability 1", 1);
        assertClean(counts);
    }

    /**
     * The same drill without durable acks: it reports what was lost (on loopback the replica rarely
     * trails by an acked write, so usually nothing), and asserts what still holds without WAIT.
     */
    @Test
    void withoutDurableAcksTheDrillReportsWhatWasLost() {
        Checker.Counts counts = drill("cluster failover, durability 0", 0);
        // What still holds without WAIT: every client sees each room in order, once.
        assertThat(counts.outOfOrder()).as(counts.line()).isZero();
        assertThat(counts.duplicated()).as(counts.line()).isZero();
        assertThat(counts.acked()).as(counts.line()).isEqualTo(counts.sent());
    }

    /**
     * Resharding under load: while clients on 2 chat-apps send to rooms whose members sit on both,
     * {@code redis-cli --cluster rebalance} empties the master serving most rooms (every slot it
     * had moves to the other two, keys included), then spreads the slots over all three again.
     * Nothing may be lost, duplicated or reordered at any client or in PostgreSQL, the archiver
     * drains the queues wherever they moved, and each relay follows its rooms' sharded channels to
     * their new master. Durability 0: a slot move is no failover, MIGRATE loses nothing.
     */
    @Test
    void reshardingUnderLoadLosesNothing() {
        Cluster.Options options =
                new Cluster.Options(
                        1,
                        2,
                        0,
                        0,
                        false,
                        List.of("--spring.data.redis.cluster.nodes=" + redis.nodesProperty()),
                        List.of());
        List<ChatClient> fleet = new ArrayList<>();
        try (Cluster apps = Cluster.start(options)) {
            RedisKeys keys = new RedisKeys(apps.keyPrefix());
            List<String> rooms = rooms("reshard", RESHARD_ROOMS);
            fleet.addAll(connectedClients(apps, RESHARD_CLIENTS, rooms));
            Map<Integer, List<String>> roomsByMaster = roomsByMaster(keys, rooms);
            Traffic traffic =
                    Traffic.start(
                            fleet,
                            new Traffic.Plan(RESHARD_TOTAL, MESSAGES_PER_SECOND_PER_CLIENT, 100));
            await().atMost(TRAFFIC_TIMEOUT).until(() -> traffic.acked() >= RESHARD_TOTAL / 8);

            int retired = busiest(roomsByMaster);
            List<String> movedRooms = roomsByMaster.get(retired);
            int ackedBefore = traffic.acked();
            long startedAt = System.nanoTime();
            int slotsOut = redis.emptyMaster(retired);
            Duration emptied = Duration.ofNanos(System.nanoTime() - startedAt);
            // Every room of the emptied master now lives on another one; its relays must follow.
            for (String room : movedRooms) {
                int to = redis.masterOf(keys.roomSeq(room));
                assertThat(to).as(room).isNotEqualTo(retired);
                awaitShardSubscribers(to, keys.roomChannel(room), serversWithMembers(fleet, room));
            }
            int slotsBack = redis.rebalance();
            Duration moving = Duration.ofNanos(System.nanoTime() - startedAt);
            int ackedWhileMoving = traffic.acked() - ackedBefore;
            redis.awaitHealthy(MASTERS);
            for (String room : rooms) {
                awaitShardSubscribers(
                        redis.masterOf(keys.roomSeq(room)),
                        keys.roomChannel(room),
                        serversWithMembers(fleet, room));
            }

            traffic.awaitAllAcked(TRAFFIC_TIMEOUT);
            ClusterFaultsSystemTests.awaitDelivered(fleet);
            Stall stall = longestStall(fleet, rooms, startedAt, traffic);
            Checker.Counts counts =
                    Checker.check("cluster resharding", apps, fleet, stall.length(), true);
            List<String> codes =
                    fleet.stream().flatMap(c -> c.errors().stream()).map(e -> e.code()).toList();
            log.info(
                    "cluster resharding: emptied master {} ({} of {} rooms, {} slots) in {} ms,"
                            + " then {} slots spread back; {} ms in all, {} messages acked"
                            + " meanwhile; longest stall of a room at a client {} ms ({}); {} error"
                            + " frames {}; {}",
                    retired,
                    movedRooms.size(),
                    rooms.size(),
                    slotsOut,
                    emptied.toMillis(),
                    slotsBack,
                    moving.toMillis(),
                    ackedWhileMoving,
                    stall.length().toMillis(),
                    stall.where(),
                    codes.size(),
                    codes.stream().distinct().toList(),
                    counts.line());
            assertThat(slotsOut).as("slots moved off the emptied master").isPositive();
            assertThat(slotsBack).as("slots spread back").isPositive();
            assertThat(ackedWhileMoving).as("messages acked while slots moved").isPositive();
            assertThat(codes).allMatch(ErrorCodes.UNAVAILABLE::equals);
            assertThat(apps.chatApps()).allMatch(AppProcess::isAlive);
            assertClean(counts);
        } finally {
            closeAll(fleet);
        }
    }

    /** Chat servers (by WebSocket URL) with at least one member of the room connected. */
    private static int serversWithMembers(List<ChatClient> fleet, String room) {
        return (int)
                fleet.stream()
                        .filter(c -> c.rooms().contains(room))
                        .map(c -> c.server().wsUrl())
                        .distinct()
                        .count();
    }

    private void awaitShardSubscribers(int master, String channel, int servers) {
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(
                        () -> {
                            // SHARDNUMSUB answers the channel, then its subscriber count.
                            String[] reply =
                                    redis.cli(master, "pubsub", "shardnumsub", channel)
                                            .trim()
                                            .split("\n");
                            assertThat(reply[reply.length - 1])
                                    .as("SHARDNUMSUB %s at %d", channel, master)
                                    .isEqualTo(Integer.toString(servers));
                        });
    }

    private Checker.Counts drill(String scenario, int durability) {
        Cluster.Options options =
                new Cluster.Options(
                        1,
                        2,
                        0,
                        0,
                        false,
                        List.of("--spring.data.redis.cluster.nodes=" + redis.nodesProperty()),
                        List.of("--chatroom.durability.replicas=" + durability));
        List<ChatClient> fleet = new ArrayList<>();
        try (Cluster apps = Cluster.start(options)) {
            RedisKeys keys = new RedisKeys(apps.keyPrefix());
            List<String> rooms = rooms("failover", ROOMS);
            Map<Integer, List<String>> roomsByMaster = roomsByMaster(keys, rooms);
            fleet.addAll(connectedClients(apps, CLIENTS, rooms));
            Traffic traffic =
                    Traffic.start(
                            fleet, new Traffic.Plan(TOTAL, MESSAGES_PER_SECOND_PER_CLIENT, 100));
            await().atMost(TRAFFIC_TIMEOUT).until(() -> traffic.acked() >= TOTAL / 4);

            int victim = busiest(roomsByMaster);
            List<String> victimRooms = roomsByMaster.get(victim);
            long killedAt = System.nanoTime();
            redis.kill(victim);
            redis.awaitFailover(victim, MASTERS);
            Duration failover = Duration.ofNanos(System.nanoTime() - killedAt);
            // As a supervisor would: the killed node restarts and rejoins as the new master's
            // replica. Until then the promoted master has no replica, so with durability 1 its
            // rooms' SENDs are answered unavailable (WAIT cannot succeed).
            redis.restart(victim);
            Duration replicaBack = Duration.ofNanos(System.nanoTime() - killedAt);

            traffic.awaitAllAcked(TRAFFIC_TIMEOUT);
            ClusterFaultsSystemTests.awaitDelivered(fleet);
            Stall stall = longestStall(fleet, victimRooms, killedAt, traffic);
            Checker.Counts counts = Checker.check(scenario, apps, fleet, stall.length(), true);
            List<String> codes =
                    fleet.stream().flatMap(c -> c.errors().stream()).map(e -> e.code()).toList();
            log.info(
                    "{}: killed master {} serving {} of {} rooms; replica took over after {} ms,"
                            + " the restarted node replicated it after {} ms; longest stall of a"
                            + " victim room at a client {} ms ({}); {} error frames {}; {}",
                    scenario,
                    victim,
                    victimRooms.size(),
                    ROOMS,
                    failover.toMillis(),
                    replicaBack.toMillis(),
                    stall.length().toMillis(),
                    stall.where(),
                    codes.size(),
                    codes.stream().distinct().toList(),
                    counts.line());
            assertThat(codes).allMatch(ErrorCodes.UNAVAILABLE::equals);
            assertThat(apps.chatApps()).allMatch(AppProcess::isAlive);
            return counts;
        } finally {
            closeAll(fleet);
            // A drill that failed half-way leaves the next one a whole cluster.
            for (int port : redis.deadNodes()) {
                redis.restart(port);
            }
        }
    }

    /** The longest pause of a room at a client, and where it was. */
    private record Stall(Duration length, String where) {}

    /**
     * The longest pause between two frames of one of {@code rooms} at any client, ending after
     * {@code since}: how long those rooms stood still around a fault, recovery included.
     */
    private static Stall longestStall(
            List<ChatClient> fleet, List<String> rooms, long since, Traffic traffic) {
        long longest = 0;
        String where = "none";
        for (ChatClient client : fleet) {
            for (String room : rooms) {
                if (!client.rooms().contains(room)) {
                    continue;
                }
                long previous = 0;
                for (ChatClient.Received frame : client.frames(room)) {
                    long at = frame.receivedNanos();
                    if (previous != 0 && at > since && at - previous > longest) {
                        longest = at - previous;
                        where = describe(client, room, previous, at, since, traffic);
                    }
                    previous = at;
                }
            }
        }
        return new Stall(Duration.ofMillis(TimeUnit.NANOSECONDS.toMillis(longest)), where);
    }

    /**
     * Room, the client's server, and how many of the room's messages were first sent during the
     * pause (none: its senders paused; some: the servers held them back).
     */
    private static String describe(
            ChatClient client, String room, long from, long to, long since, Traffic traffic) {
        long sentDuring =
                traffic.byText().values().stream()
                        .filter(m -> m.room.equals(room))
                        .filter(m -> m.firstSentNanos > from && m.firstSentNanos < to)
                        .count();
        return String.format(
                "room %s at %s, from %d ms after the fault began, %d of its messages first sent"
                        + " meanwhile",
                room,
                client.server().wsUrl(),
                TimeUnit.NANOSECONDS.toMillis(from - since),
                sentDuring);
    }

    /** The rooms grouped by the master serving them now, and the master serving most. */
    private Map<Integer, List<String>> roomsByMaster(RedisKeys keys, List<String> rooms) {
        Map<Integer, List<String>> byMaster = new HashMap<>();
        for (String room : rooms) {
            byMaster.computeIfAbsent(redis.masterOf(keys.roomSeq(room)), m -> new ArrayList<>())
                    .add(room);
        }
        return byMaster;
    }

    private static int busiest(Map<Integer, List<String>> roomsByMaster) {
        return roomsByMaster.entrySet().stream()
                .max(Map.Entry.comparingByValue((a, b) -> a.size() - b.size()))
                .orElseThrow()
                .getKey();
    }
}
