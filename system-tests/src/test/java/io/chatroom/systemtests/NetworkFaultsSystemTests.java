package io.chatroom.systemtests;

import static io.chatroom.systemtests.SystemTestPaths.scale;
import static io.chatroom.systemtests.SystemTestSupport.assertClean;
import static io.chatroom.systemtests.SystemTestSupport.closeAll;
import static io.chatroom.systemtests.SystemTestSupport.rooms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.common.ChatServerInfo;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Network faults between processes, not process faults: one chat-app and the archiver each run in
 * their own network namespace ({@link NetNamespace}) on one cluster of real processes (a
 * coordinator, chat-1 and chat-2 on the host, chat-3 and the archiver namespaced, a private
 * redis-server). A drill cuts or degrades the link between a namespaced app and its stores while
 * clients keep chatting, then checks every acked message at every client and in PostgreSQL. Each
 * drill skips (loudly, with the reason) where network namespaces are not permitted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class)
class NetworkFaultsSystemTests {
    private static final Logger log = LoggerFactory.getLogger(NetworkFaultsSystemTests.class);
    private static final String CUT_CHAT = "chat-3";
    private static final String ARCHIVER = "archiver";
    private static final Duration TRAFFIC_TIMEOUT = Duration.ofSeconds(180);
    // Under 100 ms each way a chat-app acks far fewer SENDs per second (docs/reliability.md).
    private static final Duration DEGRADED_TRAFFIC_TIMEOUT = Duration.ofSeconds(360);
    private static final Duration CUT = Duration.ofSeconds(10);
    private static final Duration SECOND_CUT = Duration.ofSeconds(5);
    private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(60);
    private static final Duration ARCHIVE_LIMIT = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(1);
    private static final Duration DELAY = Duration.ofMillis(100);
    private static final double LOSS = 0.05;
    private static final String UNAVAILABLE = "unavailable";
    private static final int LOGIN_PARALLELISM = 8;

    private NetNamespace chatNamespace;
    private NetNamespace archiverNamespace;
    private NamespacePlacement placement;
    private Cluster cluster;
    private final List<ChatClient> clients = new ArrayList<>();

    @BeforeAll
    void startCluster() {
        if (!SystemTestPaths.missingJars().isEmpty() || NetNamespace.probe().namespaces() != null) {
            return; // every drill skips itself, loudly, with the reason
        }
        NetNamespace.removeStale();
        try {
            chatNamespace = NetNamespace.create("a", 0);
            archiverNamespace = NetNamespace.create("b", 1);
            placement =
                    new NamespacePlacement(
                            Map.of(CUT_CHAT, chatNamespace, ARCHIVER, archiverNamespace));
            cluster = Cluster.start(new Cluster.Options(1, 3, 0, 0), placement);
        } catch (RuntimeException e) {
            stopCluster();
            throw e;
        }
    }

    @AfterAll
    void stopCluster() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (placement != null) {
                placement.close();
            }
            if (chatNamespace != null) {
                chatNamespace.close();
            }
            if (archiverNamespace != null) {
                archiverNamespace.close();
            }
        }
    }

    @BeforeEach
    void healthyCluster() {
        if (cluster == null) {
            return;
        }
        // Every drill starts from whole links and a whole cluster, whatever the last one left.
        for (NetNamespace ns : List.of(chatNamespace, archiverNamespace)) {
            ns.restoreStore();
            ns.clearStoreLoss();
            placement.delayStore(ns, Duration.ZERO);
        }
        List<AppProcess> all = new ArrayList<>(cluster.coordinators());
        all.addAll(cluster.chatApps());
        all.add(cluster.archiver());
        all.stream().filter(a -> !a.isAlive()).forEach(AppProcess::start);
        AppProcess.awaitAllReady(all);
        cluster.awaitRegistered(cluster.chatIds());
    }

    @AfterEach
    void closeClients() {
        closeAll(clients);
        clients.clear();
    }

    /** Skips the calling drill, loudly and with the reason, where it cannot run. */
    private void assumeNetworkFaults(boolean needsPacketLoss) {
        SystemTestSupport.assumeRunnable();
        NetNamespace.Probe probe = NetNamespace.probe();
        String reason = probe.namespaces();
        if (reason == null && needsPacketLoss) {
            reason = probe.packetLoss();
        }
        if (reason != null) {
            log.error("\n\n*** NETWORK FAULT DRILL SKIPPED: {}\n", reason);
        }
        Assumptions.assumeTrue(reason == null, "network faults not possible here: " + reason);
        assertThat(cluster).as("cluster started").isNotNull();
    }

    /**
     * (1) chat-3 loses Redis and PostgreSQL (its store link down) for 10 s while it keeps its
     * coordinator; the other chat-apps go on, and chat-3 sends its clients to them (ERROR
     * unavailable, then fail-over).
     */
    @Test
    void drill1ChatAppCutFromRedis() {
        assumeNetworkFaults(false);
        List<ChatClient> fleet =
                fleetOn(12, rooms("netcut", 3), List.of("chat-1", "chat-2", CUT_CHAT));
        List<ChatClient> victims = on(fleet, CUT_CHAT);
        List<ChatClient> others = fleet.stream().filter(c -> !victims.contains(c)).toList();
        int total = scale(3600, 1800);
        Traffic traffic = Traffic.start(fleet, new Traffic.Plan(total, 5, 100));
        await().atMost(TRAFFIC_TIMEOUT).until(() -> traffic.acked() >= total / 5);

        long othersAcked = acked(others);
        long othersFrames = frames(others);
        long victimsAcked = acked(victims);
        long cutAt = System.nanoTime();
        String statusDuringCut;
        boolean readyDuringCut;
        chatNamespace.cutStore();
        try {
            hold(CUT, cutAt);
            statusDuringCut = registryStatus(CUT_CHAT);
            readyDuringCut = cluster.chat(CUT_CHAT).isReady();
        } finally {
            chatNamespace.restoreStore();
        }
        long restoredAt = System.nanoTime();
        long othersAckedDuringCut = acked(others) - othersAcked;
        long othersFramesDuringCut = frames(others) - othersFrames;
        long victimsAckedDuringCut = acked(victims) - victimsAcked;
        long victimsAckedAtRestore = acked(victims);
        await("a client of " + CUT_CHAT + " is acked again")
                .atMost(RECOVERY_LIMIT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> acked(victims) > victimsAckedAtRestore);
        Duration recovery = Duration.ofNanos(System.nanoTime() - restoredAt);

        traffic.awaitAllAcked(TRAFFIC_TIMEOUT);
        awaitDelivered(fleet);
        Checker.Counts counts =
                Checker.check("N1 chat-app cut from Redis 10 s", cluster, fleet, recovery, true);
        log.info(
                "N1: {} clients ({} on {}); {} frames received; during the {} s cut the others got"
                        + " {} acks and {} frames, {}'s clients {} acks; {} was '{}' in the"
                        + " registry, its readiness {}; {}'s clients: {} '{}' errors, {} ERROR frames"
                        + " '{}', {} disconnects ({} to {} ms after the cut), {} fail-overs, now on {};"
                        + " first ack {} ms after the link came back",
                fleet.size(),
                victims.size(),
                CUT_CHAT,
                frames(fleet),
                CUT.toSeconds(),
                othersAckedDuringCut,
                othersFramesDuringCut,
                CUT_CHAT,
                victimsAckedDuringCut,
                CUT_CHAT,
                statusDuringCut,
                readyDuringCut ? "UP" : "not UP",
                CUT_CHAT,
                victims.stream().mapToLong(NetworkFaultsSystemTests::unavailable).sum(),
                UNAVAILABLE,
                victims.stream().filter(NetworkFaultsSystemTests::toldUnavailable).count(),
                UNAVAILABLE,
                victims.stream().mapToInt(ChatClient::disconnects).sum(),
                victims.stream()
                        .mapToLong(c -> (c.lastDisconnectNanos() - cutAt) / 1_000_000)
                        .min()
                        .orElse(-1),
                victims.stream()
                        .mapToLong(c -> (c.lastDisconnectNanos() - cutAt) / 1_000_000)
                        .max()
                        .orElse(-1),
                victims.stream().mapToInt(ChatClient::failovers).sum(),
                victims.stream().map(c -> c.server().id()).sorted().toList(),
                recovery.toMillis());
        assertClean(counts);
        // Its heartbeat says DOWN while it cannot reach Redis: no login or fail-over lands there.
        assertThat(statusDuringCut)
                .as(CUT_CHAT + " in the registry during the cut")
                .isEqualTo("DOWN");
        assertThat(othersAckedDuringCut).as("acks to clients of the other servers").isPositive();
        assertThat(othersFramesDuringCut).as("frames to clients of the other servers").isPositive();
        // Cut off while the others are up, chat-3 closes its sessions with ERROR unavailable
        // (after chatroom.cluster.store-cut-off-grace, 5 s) and its clients move.
        assertThat(victims)
                .as("every client of the cut server got ERROR '" + UNAVAILABLE + "'")
                .allMatch(NetworkFaultsSystemTests::toldUnavailable);
        assertThat(victims)
                .as("every client of the cut server failed over to another server")
                .allMatch(c -> c.failovers() > 0 && !CUT_CHAT.equals(c.server().id()));
        assertThat(cluster.chat(CUT_CHAT).isAlive()).as(CUT_CHAT + " still running").isTrue();
    }

    /**
     * (2) Half the clients on chat-3, whose link to Redis and PostgreSQL drops 5% of the packets
     * each way and adds 100 ms each way, for a whole traffic run.
     */
    @Test
    void drill2LossAndDelayToRedis() {
        assumeNetworkFaults(true);
        List<ChatClient> fleet =
                fleetOn(12, rooms("netloss", 3), List.of(CUT_CHAT, "chat-1", CUT_CHAT, "chat-2"));
        List<ChatClient> victims = on(fleet, CUT_CHAT);
        List<ChatClient> others = fleet.stream().filter(c -> !victims.contains(c)).toList();
        long retransmitsBefore = chatNamespace.tcpRetransmits();
        long startedAt = System.nanoTime();
        Traffic traffic;
        long dropped;
        long retransmits;
        placement.delayStore(chatNamespace, DELAY);
        chatNamespace.dropStorePackets(LOSS);
        try {
            traffic = Traffic.start(fleet, new Traffic.Plan(scale(3600, 1800), 5, 100));
            traffic.awaitAllAcked(DEGRADED_TRAFFIC_TIMEOUT);
            awaitDelivered(fleet);
            dropped = chatNamespace.storePacketsDropped();
            retransmits = chatNamespace.tcpRetransmits() - retransmitsBefore;
        } finally {
            chatNamespace.clearStoreLoss();
            placement.delayStore(chatNamespace, Duration.ZERO);
        }
        Duration impaired = Duration.ofNanos(System.nanoTime() - startedAt);
        Checker.Counts counts =
                Checker.check("N2 5% loss + 100 ms to Redis", cluster, fleet, null, true);
        List<Long> victimLatencies = latencies(victims, traffic);
        List<Long> otherLatencies = latencies(others, traffic);
        log.info(
                "N2: {} clients ({} on {}); {} frames received; the link dropped {} packets, {}"
                        + " TCP segments retransmitted in its namespace; {} '{}' errors; delivery"
                        + " latency to {}'s clients p50 {} ms p99 {} ms, to the others p50 {} ms"
                        + " p99 {} ms; {} s under the fault ({} acks/s to {}'s clients)",
                fleet.size(),
                victims.size(),
                CUT_CHAT,
                frames(fleet),
                dropped,
                retransmits,
                fleet.stream().mapToLong(NetworkFaultsSystemTests::unavailable).sum(),
                UNAVAILABLE,
                CUT_CHAT,
                percentileMillis(victimLatencies, 0.50),
                percentileMillis(victimLatencies, 0.99),
                percentileMillis(otherLatencies, 0.50),
                percentileMillis(otherLatencies, 0.99),
                impaired.toSeconds(),
                String.format(Locale.ROOT, "%.1f", acked(victims) * 1e9 / impaired.toNanos()),
                CUT_CHAT);
        assertClean(counts);
        assertThat(dropped).as("packets the loss filter dropped").isPositive();
        assertThat(percentileMillis(victimLatencies, 0.50))
                .as("deliveries to the degraded server's clients cross the delay")
                .isGreaterThanOrEqualTo(DELAY.toMillis());
    }

    /**
     * (3) The archiver loses Redis and PostgreSQL (its store link down) twice: 10 s while messages
     * keep coming, then 5 s from the moment it commits again, i.e. mid-drain of the backlog.
     */
    @Test
    void drill3ArchiverCutFromStores() throws SQLException {
        assumeNetworkFaults(false);
        List<ChatClient> fleet =
                SystemTestSupport.connectedClients(cluster, 6, rooms("netarch", 2));
        clients.addAll(fleet);
        Set<String> rooms = new HashSet<>();
        fleet.forEach(c -> rooms.addAll(c.rooms()));
        int total = scale(2400, 1200);
        Traffic traffic = Traffic.start(fleet, new Traffic.Plan(total, 10, 100));
        await().atMost(TRAFFIC_TIMEOUT).until(() -> traffic.acked() >= total / 5);

        long cutAt = System.nanoTime();
        long rowsSettled;
        long rowsAtRestore;
        archiverNamespace.cutStore();
        try {
            hold(SETTLE, cutAt);
            rowsSettled = Checker.countRows(cluster, rooms);
            hold(CUT, cutAt);
            rowsAtRestore = Checker.countRows(cluster, rooms);
        } finally {
            archiverNamespace.restoreStore();
        }
        long restoredAt = System.nanoTime();
        int backlog = traffic.acked() - (int) rowsAtRestore;
        await("archiver commits again")
                .atMost(RECOVERY_LIMIT)
                .pollInterval(Duration.ofMillis(10))
                .ignoreExceptions()
                .until(() -> Checker.countRows(cluster, rooms) > rowsAtRestore);
        Duration resumed = Duration.ofNanos(System.nanoTime() - restoredAt);

        long secondCutAt = System.nanoTime();
        long rowsAtSecondCut = Checker.countRows(cluster, rooms);
        archiverNamespace.cutStore();
        try {
            hold(SECOND_CUT, secondCutAt);
        } finally {
            archiverNamespace.restoreStore();
        }
        long restoredAgainAt = System.nanoTime();
        int ackedAtRestore = traffic.acked();
        await("archive holds everything acked before the link came back")
                .atMost(ARCHIVE_LIMIT)
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> Checker.countRows(cluster, rooms) >= ackedAtRestore);
        Duration recovery = Duration.ofNanos(System.nanoTime() - restoredAgainAt);

        traffic.awaitAllAcked(TRAFFIC_TIMEOUT);
        awaitDelivered(fleet);
        Checker.Counts counts =
                Checker.check("N3 archiver cut from its stores x2", cluster, fleet, recovery, true);
        log.info(
                "N3: {} clients; {} frames received; rows stayed at {} -> {} through the 10 s cut"
                        + " (backlog {} acked messages); commits resumed {} ms after the link came"
                        + " back; second cut with {} rows committed, {} acked when it ended;"
                        + " archive complete {} ms after the link came back again",
                fleet.size(),
                frames(fleet),
                rowsSettled,
                rowsAtRestore,
                backlog,
                resumed.toMillis(),
                rowsAtSecondCut,
                ackedAtRestore,
                recovery.toMillis());
        assertClean(counts);
        assertThat(rowsAtRestore).as("nothing reached PostgreSQL while cut").isEqualTo(rowsSettled);
        assertThat(cluster.archiver().isAlive()).as("archiver still running").isTrue();
    }

    /**
     * {@code count} new users; user i joins room i mod rooms and connects to server (i / rooms) mod
     * servers, so every room spans the servers.
     */
    private List<ChatClient> fleetOn(int count, List<String> rooms, List<String> serverIds) {
        Map<String, ChatServerInfo> servers = new HashMap<>();
        for (JsonNode server : cluster.liveServers()) {
            servers.put(
                    server.get("id").asString(),
                    new ChatServerInfo(
                            server.get("id").asString(),
                            server.get("httpUrl").asString(),
                            server.get("wsUrl").asString()));
        }
        List<Callable<ChatClient>> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String room = rooms.get(i % rooms.size());
            ChatServerInfo target =
                    servers.get(serverIds.get((i / rooms.size()) % serverIds.size()));
            assertThat(target).as("live servers " + servers.keySet()).isNotNull();
            tasks.add(
                    () -> {
                        ChatClient client = ChatClient.registerNew(cluster.coordinatorUrls(), "n");
                        client.join(room);
                        client.login();
                        client.connect(target);
                        return client;
                    });
        }
        List<ChatClient> fleet = SystemTestSupport.runAll(tasks, LOGIN_PARALLELISM);
        clients.addAll(fleet);
        return fleet;
    }

    private static List<ChatClient> on(List<ChatClient> fleet, String serverId) {
        return fleet.stream().filter(c -> c.server().id().equals(serverId)).toList();
    }

    private static long acked(List<ChatClient> clients) {
        return clients.stream()
                .mapToLong(c -> c.sent().values().stream().filter(s -> s.seq > 0).count())
                .sum();
    }

    private static long frames(List<ChatClient> clients) {
        return clients.stream()
                .mapToLong(c -> c.rooms().stream().mapToLong(c::frameCount).sum())
                .sum();
    }

    /** The server closed the client's session with {@code ERROR message:unavailable}. */
    private static boolean toldUnavailable(ChatClient client) {
        return client.errorFrames().stream().anyMatch(f -> f.startsWith(UNAVAILABLE + " "));
    }

    private static long unavailable(ChatClient client) {
        return client.errors().stream().filter(e -> UNAVAILABLE.equals(e.code())).count();
    }

    private String registryStatus(String serverId) {
        try {
            return cluster.liveServers().stream()
                    .filter(s -> serverId.equals(s.get("id").asString()))
                    .map(s -> s.get("status").asString())
                    .findFirst()
                    .orElse("not listed");
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** Keeps a fault on until {@code length} after {@code since}. */
    private static void hold(Duration length, long since) {
        Duration left = length.minusNanos(System.nanoTime() - since);
        if (!left.isNegative() && !left.isZero()) {
            await().pollDelay(left).atMost(left.plusSeconds(1)).until(() -> true);
        }
    }

    /** Send-to-receipt latency of every frame these clients got, in nanoseconds, sorted. */
    private static List<Long> latencies(List<ChatClient> receivers, Traffic traffic) {
        Map<String, ChatClient.Sent> sent = traffic.byText();
        List<Long> latencies = new ArrayList<>();
        for (ChatClient receiver : receivers) {
            for (String room : receiver.rooms()) {
                for (ChatClient.Received frame : receiver.frames(room)) {
                    ChatClient.Sent message = sent.get(frame.message().text());
                    if (message != null) {
                        latencies.add(frame.receivedNanos() - message.firstSentNanos);
                    }
                }
            }
        }
        latencies.sort(Long::compare);
        return latencies;
    }

    private static long percentileMillis(List<Long> sorted, double quantile) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(sorted.size() * quantile) - 1;
        return TimeUnit.NANOSECONDS.toMillis(sorted.get(Math.max(0, index)));
    }

    /**
     * Waits until every client has as many frames in each room as there are acked messages; on
     * timeout goes on, so that the checker prints what is missing.
     */
    private static void awaitDelivered(List<ChatClient> fleet) {
        Map<String, Long> ackedPerRoom = new HashMap<>();
        fleet.forEach(
                c ->
                        c.sent().values().stream()
                                .filter(s -> s.seq > 0)
                                .forEach(s -> ackedPerRoom.merge(s.room, 1L, Long::sum)));
        try {
            await("every client received every acked message")
                    .atMost(RECOVERY_LIMIT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> fleet.stream().allMatch(c -> hasAll(c, ackedPerRoom)));
        } catch (ConditionTimeoutException e) {
            log.warn("Not every client received every acked message: {}", e.getMessage());
        }
    }

    private static boolean hasAll(ChatClient client, Map<String, Long> ackedPerRoom) {
        return client.rooms().stream()
                .allMatch(r -> client.frameCount(r) >= ackedPerRoom.getOrDefault(r, 0L));
    }
}
