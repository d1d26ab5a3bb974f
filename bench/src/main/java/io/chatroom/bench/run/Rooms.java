package io.chatroom.bench.run;

import io.chatroom.bench.Console;
import io.chatroom.bench.client.CoordinatorClient.ChatServer;
import io.chatroom.bench.client.CoordinatorClient.Login;
import io.chatroom.bench.client.StompClient;
import io.chatroom.bench.metrics.SeqLedger;
import io.chatroom.bench.metrics.ServerProbe;
import io.chatroom.bench.report.Latency;
import io.chatroom.bench.report.Point;
import io.chatroom.bench.stomp.StompFrames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Many small rooms at once: {@code rooms} rooms of {@code members} members; every member subscribes
 * to its room and sends {@code messages} messages with at most {@code window} unacked. Every member
 * must receive every message of its room (its own too) exactly once and in seq order, and every
 * member's messages must be acked with seqs in the order it sent them. Connections stay open
 * between passes.
 */
public final class Rooms implements AutoCloseable {
    private static final long SYNC_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long SYNC_RETRY_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final double NANOS_PER_SECOND = 1e9;
    private static final double NANOS_PER_MICRO = 1e3;

    /**
     * Who connects where: members of room r are {@code r * members .. r * members + members - 1},
     * spread round-robin over {@code servers} (or each on the server its login was assigned when
     * none are given), sharing {@code users} logins round-robin.
     */
    public record Shape(
            String roomPrefix, int rooms, int members, int users, List<ChatServer> servers) {}

    /** A measured pass: its point and the figures a point has no field for. */
    public record Result(Point point, Map<String, Object> extra) {}

    private final Cluster cluster;
    private final Shape shape;
    private final long idleTimeoutNanos;
    private final String archiverUrl;
    private final List<Member> members = new ArrayList<>();
    private final List<StompClient> clients = new ArrayList<>();
    private final Set<String> usedServerUrls = new LinkedHashSet<>();
    private int passes;

    public Rooms(Cluster cluster, Shape shape, long idleTimeoutSeconds, String archiverUrl) {
        this.cluster = cluster;
        this.shape = shape;
        this.idleTimeoutNanos = TimeUnit.SECONDS.toNanos(idleTimeoutSeconds);
        this.archiverUrl = archiverUrl;
    }

    public String room(int index) {
        return shape.roomPrefix() + "-r" + index;
    }

    /** Logs users in, connects every member, subscribes it to its room and its queues. */
    public void open() throws InterruptedException {
        int total = shape.rooms() * shape.members();
        int users = Math.max(1, Math.min(shape.users(), total));
        List<Login> logins = cluster.login("u", users);
        String tag = Long.toString(System.nanoTime(), Character.MAX_RADIX);
        List<Cluster.Target> targets = new ArrayList<>();
        for (int r = 0; r < shape.rooms(); r++) {
            String sendPrefix = StompFrames.sendPrefix(room(r));
            for (int k = 0; k < shape.members(); k++) {
                int i = r * shape.members() + k;
                Member m = new Member(r, sendPrefix, "m" + tag + "-" + i + "-");
                members.add(m);
                Login login = logins.get(i % logins.size());
                targets.add(new Cluster.Target(login.token(), wsUrl(login, i), m));
            }
        }
        long start = System.nanoTime();
        List<StompClient> connected = cluster.connect(targets);
        clients.addAll(connected);
        for (int i = 0; i < members.size(); i++) {
            StompClient c = connected.get(i);
            Member m = members.get(i);
            m.attach(c);
            c.subscribe(StompFrames.SUB_ROOM, "/topic/rooms/" + room(m.room()));
            Cluster.subscribeSenderQueues(c);
        }
        Console.out(
                String.format(
                        "connected %d members of %d rooms to %s in %.1f s (rooms %s-r*)",
                        members.size(),
                        shape.rooms(),
                        usedServerUrls,
                        (System.nanoTime() - start) / NANOS_PER_SECOND,
                        shape.roomPrefix()));
    }

    private String wsUrl(Login login, int index) {
        return Cluster.wsUrl(login, shape.servers(), index, usedServerUrls);
    }

    private Member first(int room) {
        return members.get(room * shape.members());
    }

    /**
     * In every room, the first member sends a sync message until every member of the room has
     * received it, so all subscriptions are live; returns each room's last seq before the pass.
     */
    private long[] sync() {
        int rooms = shape.rooms();
        long[] base = new long[rooms];
        boolean[] ready = new boolean[rooms];
        int readyCount = 0;
        long deadline = System.nanoTime() + SYNC_TIMEOUT_NANOS;
        while (true) {
            long[] acksBefore = new long[rooms];
            long[] errorsBefore = new long[rooms];
            for (int r = 0; r < rooms; r++) {
                if (!ready[r]) {
                    Member m = first(r);
                    errorsBefore[r] = m.errors();
                    acksBefore[r] = m.acks() + errorsBefore[r];
                    m.sendSync();
                }
            }
            for (int r = 0; r < rooms; r++) {
                Member m = first(r);
                while (!ready[r] && m.acks() + m.errors() == acksBefore[r]) {
                    checkDeadline(deadline, "no ack for the sync message of room " + room(r));
                    LockSupport.parkNanos(POLL_NANOS);
                }
                if (!ready[r] && m.errors() > errorsBefore[r]) {
                    throw new IllegalStateException("sync message refused: " + m.firstError());
                }
                base[r] = m.lastAckSeq();
            }
            long retryAt = System.nanoTime() + SYNC_RETRY_NANOS;
            while (readyCount < rooms && System.nanoTime() < retryAt) {
                for (int r = 0; r < rooms; r++) {
                    if (!ready[r] && roomHas(r, base[r])) {
                        ready[r] = true;
                        readyCount++;
                    }
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
            if (readyCount == rooms) {
                return base;
            }
            checkDeadline(deadline, (rooms - readyCount) + " rooms never delivered a sync message");
        }
    }

    private boolean roomHas(int room, long seq) {
        for (int k = 0; k < shape.members(); k++) {
            if (members.get(room * shape.members() + k).highestSeqSeen() < seq) {
                return false;
            }
        }
        return true;
    }

    private static void checkDeadline(long deadline, String problem) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(problem);
        }
    }

    /**
     * Runs one pass: every member sends {@code perMember} messages, at most {@code window} unacked.
     */
    public Result measure(String label, int perMember, int window, int textChars)
            throws InterruptedException {
        long[] base = sync();
        int perRoom = perMember * shape.members();
        RoomsPass pass = new RoomsPass(passes++, members.size());
        List<SeqLedger> ledgers = new ArrayList<>();
        for (Member m : members) {
            SeqLedger ledger = new SeqLedger(base[m.room()] + 1, perRoom);
            ledgers.add(ledger);
            m.begin(pass, ledger, perMember, window, textChars);
        }
        List<ServerProbe> probes = usedServerUrls.stream().map(cluster::probe).toList();
        List<ServerProbe> redis = cluster.redisProbe().stream().toList();
        List<ServerProbe> archiver = archiverProbe().stream().toList();
        OptionalLong redisBefore = FanOut.sumCpu(redis);
        OptionalLong archiverBefore = FanOut.sumCpu(archiver);
        OptionalLong serverBefore = FanOut.sumCpu(probes);
        Map<String, Long> threadsBefore = FanOut.cpuByThread(probes);
        long ownBefore = FanOut.ownCpuNanos();
        long start = System.nanoTime();
        for (Member m : members) {
            m.start();
        }
        long lastProgress = -1;
        long lastMove = System.nanoTime();
        while (!pass.done.await(1, TimeUnit.SECONDS)) {
            long progress = pass.progress();
            if (progress != lastProgress) {
                lastProgress = progress;
                lastMove = System.nanoTime();
            } else if (System.nanoTime() - lastMove > idleTimeoutNanos) {
                Console.err("nothing moved for the idle timeout: ending the pass incomplete");
                break;
            }
        }
        long ownCpu = FanOut.ownCpuNanos() - ownBefore;
        OptionalLong serverAfter = FanOut.sumCpu(probes);
        Map<String, Double> threadCpu =
                FanOut.topThreadCpu(threadsBefore, FanOut.cpuByThread(probes));
        OptionalLong redisAfter = FanOut.sumCpu(redis);
        OptionalLong archiverAfter = FanOut.sumCpu(archiver);
        int acksMissing = 0;
        int refused = 0;
        int ackDuplicates = 0;
        int inversions = 0;
        for (Member m : members) {
            Member.SendReport s = m.end();
            acksMissing += s.acksMissing();
            refused += s.refused();
            ackDuplicates += s.ackDuplicates();
            inversions += s.senderOrderInversions();
        }
        long end = ledgers.stream().mapToLong(SeqLedger::lastArrivalNanos).max().orElse(start);
        end = Math.max(end, start + 1);
        double seconds = (end - start) / NANOS_PER_SECOND;
        long messages = (long) perMember * members.size();
        long delivered = ledgers.stream().mapToLong(SeqLedger::distinct).sum();
        long expected = (long) perRoom * members.size();
        double avgCompletion =
                ledgers.stream()
                                .filter(SeqLedger::complete)
                                .mapToLong(l -> l.lastArrivalNanos() - start)
                                .average()
                                .orElse(Double.NaN)
                        / NANOS_PER_SECOND;
        Double serverCpuSeconds = null;
        Double perDelivery = null;
        Double perMessage = null;
        if (serverBefore.isPresent() && serverAfter.isPresent()) {
            long cpu = serverAfter.getAsLong() - serverBefore.getAsLong();
            serverCpuSeconds = FanOut.round(cpu / NANOS_PER_SECOND);
            perDelivery = delivered == 0 ? null : FanOut.round(cpu / NANOS_PER_MICRO / delivered);
            perMessage = FanOut.round(cpu / NANOS_PER_MICRO / messages);
        }
        Double redisCpuSeconds = seconds(redisBefore, redisAfter, !redis.isEmpty());
        String firstError =
                members.stream()
                        .map(Member::firstError)
                        .filter(e -> e != null)
                        .findFirst()
                        .orElse(null);
        int closed = (int) clients.stream().filter(c -> c.closeReason() != null).count();
        Latency ackLatency = Latency.ofMicros(pass.ackLatencyMicros.getIntervalHistogram());
        Point point =
                new Point(
                        label,
                        members.size(),
                        usedServerUrls.size(),
                        members.size(),
                        (int) messages,
                        textChars,
                        window,
                        0,
                        FanOut.round(seconds),
                        FanOut.round(messages / seconds),
                        FanOut.round(delivered / seconds),
                        expected,
                        delivered,
                        ledgers.stream().mapToLong(SeqLedger::lost).sum(),
                        ledgers.stream().mapToLong(SeqLedger::duplicates).sum(),
                        ledgers.stream().mapToLong(SeqLedger::outOfOrder).sum() + inversions,
                        ledgers.stream().mapToLong(SeqLedger::gaps).sum(),
                        refused + acksMissing,
                        firstError,
                        closed,
                        FanOut.round(avgCompletion),
                        Latency.ofMicros(pass.latencyMicros.getIntervalHistogram()),
                        serverCpuSeconds,
                        perDelivery,
                        redisCpuSeconds,
                        threadCpu,
                        FanOut.round(ownCpu / NANOS_PER_SECOND),
                        delivered == 0 ? 0 : FanOut.round(ownCpu / NANOS_PER_MICRO / delivered));
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("rooms", shape.rooms());
        extra.put("members", shape.members());
        extra.put("messagesPerMember", perMember);
        extra.put("window", window);
        extra.put("serverCpuMicrosPerMessage", perMessage);
        extra.put(
                "redisCpuMicrosPerMessage",
                redisCpuSeconds == null
                        ? null
                        : FanOut.round(
                                redisCpuSeconds * NANOS_PER_SECOND / NANOS_PER_MICRO / messages));
        extra.put(
                "archiverCpuSeconds", seconds(archiverBefore, archiverAfter, !archiver.isEmpty()));
        extra.put("ackLatency", ackLatency);
        extra.put("receivedOutOfOrder", ledgers.stream().mapToLong(SeqLedger::outOfOrder).sum());
        extra.put("senderOrderInversions", inversions);
        extra.put("acksMissing", acksMissing);
        extra.put("refused", refused);
        extra.put("unexpectedAcks", ackDuplicates);
        extra.put(
                "deliveriesOutsideWindow",
                ledgers.stream().mapToLong(SeqLedger::beyondWindow).sum());
        return new Result(point, extra);
    }

    private Optional<ServerProbe> archiverProbe() {
        if (archiverUrl == null || archiverUrl.isBlank()) {
            return Optional.empty();
        }
        ServerProbe p = cluster.probe(archiverUrl);
        return p.pid() > 0 ? Optional.of(p) : Optional.empty();
    }

    private static Double seconds(OptionalLong before, OptionalLong after, boolean probed) {
        if (!probed || before.isEmpty() || after.isEmpty()) {
            return null;
        }
        return FanOut.round((after.getAsLong() - before.getAsLong()) / NANOS_PER_SECOND);
    }

    public Set<String> serverUrls() {
        return usedServerUrls;
    }

    @Override
    public void close() {
        cluster.closeAll(clients);
    }
}
