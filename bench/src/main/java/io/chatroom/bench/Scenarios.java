package io.chatroom.bench;

import io.chatroom.bench.client.CoordinatorClient.ChatServer;
import io.chatroom.bench.metrics.ServerProbe;
import io.chatroom.bench.report.Latency;
import io.chatroom.bench.report.Point;
import io.chatroom.bench.run.Cluster;
import io.chatroom.bench.run.FanOut;
import io.chatroom.bench.run.IdleConnections;
import io.chatroom.bench.run.Rooms;
import io.chatroom.bench.run.SeedTables;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The fan-out scenarios: smoke, exp1, exp2, latency, rooms and connections. Each returns its
 * measured points.
 */
final class Scenarios {
    private static final double HALF = 0.5;
    private static final int PAGE = 100;

    private final Cluster cluster;
    private final Options options;
    private final String runTag;
    private final Map<String, Object> extra = new LinkedHashMap<>();
    private final int inflight;
    private final int textChars;
    private final int publishers;
    private final long idleTimeoutSeconds;
    private final boolean paceByDelivery;

    Scenarios(Cluster cluster, Options options, String runTag) {
        this.cluster = cluster;
        this.options = options;
        this.runTag = runTag;
        this.inflight = options.integer("inflight", 64);
        this.textChars = options.integer("text", 100);
        this.publishers = options.integer("publishers", 1);
        this.idleTimeoutSeconds = options.longValue("idle-timeout", 20);
        this.paceByDelivery = options.string("flow", "ack").equals("delivery");
    }

    /** Runs a discarded window first, so JIT compilation is not billed to the first cell. */
    private void warmUp(FanOut room) throws InterruptedException {
        int messages = options.integer("warmup", 2000);
        if (messages > 0) {
            Point p = room.measure("warm-up (discarded)", messages, inflight, 0, textChars);
            print(p);
        }
    }

    Map<String, Object> extra() {
        return extra;
    }

    private String room(String scenario) {
        return "bench-" + scenario + "-" + runTag;
    }

    /** The chat servers to use, the one given by --chat-server first. */
    List<ChatServer> servers() throws IOException, InterruptedException {
        List<ChatServer> live = new ArrayList<>(cluster.servers());
        live.sort(Comparator.comparing(ChatServer::httpUrl));
        String preferred = options.string("chat-server", null);
        if (preferred != null) {
            live.sort(Comparator.comparing(s -> !s.httpUrl().equals(preferred)));
            if (live.isEmpty() || !live.get(0).httpUrl().equals(preferred)) {
                throw new IllegalStateException(
                        preferred + " is not among the live servers " + live);
            }
        }
        if (live.isEmpty()) {
            throw new IllegalStateException("the coordinator lists no live chat server");
        }
        return live;
    }

    /** 200 messages to 5 clients, each client on the server its login assigned. */
    List<Point> smoke() throws InterruptedException {
        int clients = options.integer("clients", 5);
        int messages = options.integer("messages", 200);
        try (FanOut room =
                new FanOut(
                        cluster,
                        new FanOut.Shape(
                                room("smoke"), clients, publishers, clients, null, paceByDelivery),
                        idleTimeoutSeconds)) {
            room.open();
            Point p = room.measure("smoke", messages, inflight, 0, textChars);
            print(p);
            return List.of(p);
        }
    }

    /** The seed's Experiment 1 grid on one chat-app, printed beside the seed's times. */
    List<Point> exp1() throws IOException, InterruptedException {
        int[] messageCounts = options.integers("messages", 100, 500, 1000, 5000, 10000);
        int[] clientCounts = options.integers("clients", SeedTables.EXPERIMENT_1_CLIENTS);
        ChatServer server = servers().get(0);
        List<Point> points = new ArrayList<>();
        for (int clients : clientCounts) {
            try (FanOut room =
                    new FanOut(
                            cluster,
                            new FanOut.Shape(
                                    room("exp1-c" + clients),
                                    clients,
                                    publishers,
                                    options.integer("users", clients),
                                    List.of(server),
                                    paceByDelivery),
                            idleTimeoutSeconds)) {
                room.open();
                warmUp(room);
                for (int messages : messageCounts) {
                    Point p =
                            room.measure(
                                    messages + "x" + clients, messages, inflight, 0, textChars);
                    print(p);
                    points.add(p);
                }
            }
        }
        printExp1Table(points, messageCounts, clientCounts);
        return points;
    }

    private static void printExp1Table(List<Point> points, int[] messageCounts, int[] clients) {
        Console.out("");
        Console.out(
                "Experiment 1: average time for every client to receive all messages"
                        + " (ours | seed, seconds; speed-up)");
        StringBuilder header = new StringBuilder(String.format("%-8s", "msgs"));
        for (int c : clients) {
            header.append(String.format(" | %-28s", c + " clients"));
        }
        Console.out(header.toString());
        for (int m : messageCounts) {
            StringBuilder row = new StringBuilder(String.format("%-8d", m));
            for (int c : clients) {
                Point p =
                        points.stream()
                                .filter(x -> x.messages() == m && x.clients() == c)
                                .findFirst()
                                .orElse(null);
                double seed = SeedTables.experiment1Seconds(m, c);
                if (p == null) {
                    row.append(String.format(" | %-28s", "-"));
                } else {
                    double ours = p.avgClientCompletionSeconds();
                    row.append(
                            String.format(
                                    Locale.ROOT,
                                    " | %8.3f | %7.2f | %7.0fx",
                                    ours,
                                    seed,
                                    ours > 0 ? seed / ours : Double.NaN));
                }
            }
            Console.out(row.toString());
        }
    }

    /** 1,000 clients spread over 1, 2, 3 chat-apps: does adding a server add capacity? */
    List<Point> exp2() throws IOException, InterruptedException {
        int clients = options.integer("clients", 1000);
        int messages = options.integer("messages", 10000);
        int[] serverCounts = options.integers("servers", 1, 2, 3);
        List<ChatServer> live = servers();
        List<Point> points = new ArrayList<>();
        for (int k : serverCounts) {
            if (k > live.size()) {
                Console.err(k + " chat servers requested, only " + live.size() + " live: skipped");
                continue;
            }
            try (FanOut room =
                    new FanOut(
                            cluster,
                            new FanOut.Shape(
                                    room("exp2-s" + k),
                                    clients,
                                    publishers,
                                    options.integer("users", clients),
                                    live.subList(0, k),
                                    paceByDelivery),
                            idleTimeoutSeconds)) {
                room.open();
                warmUp(room);
                Point p =
                        room.measure(
                                messages + "x" + clients + " on " + k + " server(s)",
                                messages,
                                inflight,
                                0,
                                textChars);
                print(p);
                points.add(p);
            }
        }
        if (points.size() > 1) {
            double base = points.get(0).deliveriesPerSecond();
            for (Point p : points) {
                String line =
                        String.format(
                                Locale.ROOT,
                                "%d server(s): %.0f deliveries/s, scaling x%.2f",
                                p.chatServers(),
                                p.deliveriesPerSecond(),
                                p.deliveriesPerSecond() / base);
                Console.out(line);
            }
        }
        return points;
    }

    /**
     * Sustained throughput first (as fast as acks allow), then paced runs at fixed delivery rates
     * and at half the sustained rate, reporting p99 at each.
     */
    List<Point> latency() throws IOException, InterruptedException {
        int clients = options.integer("clients", 100);
        int[] rates = options.integers("rates", 1000, 5000, 10000);
        int seconds = options.integer("seconds", 10);
        int sustainedMessages = options.integer("messages", 10000);
        int pacedInflight = options.integer("paced-inflight", 10000);
        List<Point> points = new ArrayList<>();
        try (FanOut room =
                new FanOut(
                        cluster,
                        new FanOut.Shape(
                                room("latency"),
                                clients,
                                publishers,
                                options.integer("users", clients),
                                List.of(servers().get(0)),
                                paceByDelivery),
                        idleTimeoutSeconds)) {
            room.open();
            warmUp(room);
            Point sustained = room.measure("sustained", sustainedMessages, inflight, 0, textChars);
            print(sustained);
            points.add(sustained);
            List<Double> deliveryRates = new ArrayList<>();
            for (int r : rates) {
                deliveryRates.add((double) r);
            }
            deliveryRates.add(Math.floor(sustained.deliveriesPerSecond() * HALF));
            for (double deliveriesPerSecond : deliveryRates) {
                double messagesPerSecond = deliveriesPerSecond / clients;
                int messages = (int) Math.max(1, Math.round(messagesPerSecond * seconds));
                String label =
                        deliveriesPerSecond == deliveryRates.get(deliveryRates.size() - 1)
                                ? String.format(Locale.ROOT, "50%% = %.0f/s", deliveriesPerSecond)
                                : String.format(Locale.ROOT, "%.0f/s", deliveriesPerSecond);
                Point p =
                        room.measure(label, messages, pacedInflight, messagesPerSecond, textChars);
                print(p);
                points.add(p);
            }
        }
        return points;
    }

    /**
     * Many small rooms at once (200 rooms x 5 members by default): every member subscribes to its
     * room and sends {@code --messages} (40) messages with at most {@code --window} (4) unacked.
     * Checks every delivery per room and per member as exp1 does, and that each member's messages
     * were numbered in the order it sent them. A discarded pass of {@code --warmup} (10) messages
     * per member first. Clients go round-robin to the first {@code --servers} (1) chat-apps.
     */
    List<Point> rooms() throws IOException, InterruptedException {
        int rooms = options.integer("rooms", 200);
        int members = options.integer("members", 5);
        int perMember = options.integer("messages", 40);
        int window = options.integer("window", 4);
        int warmup = options.integer("warmup", 10);
        int serverCount = options.integer("servers", 1);
        List<ChatServer> live = servers();
        if (serverCount > live.size()) {
            throw new IllegalStateException(
                    serverCount + " chat servers requested, only " + live.size() + " live");
        }
        try (Rooms load =
                new Rooms(
                        cluster,
                        new Rooms.Shape(
                                room("rooms"),
                                rooms,
                                members,
                                options.integer("users", Math.min(PAGE, rooms * members)),
                                live.subList(0, serverCount)),
                        idleTimeoutSeconds,
                        options.string("archiver", "http://localhost:8090"))) {
            load.open();
            if (warmup > 0) {
                Rooms.Result w = load.measure("warm-up (discarded)", warmup, window, textChars);
                print(w.point());
            }
            Rooms.Result r =
                    load.measure(
                            rooms + "x" + members + "x" + perMember, perMember, window, textChars);
            print(r.point());
            Console.out("  " + roomsLine(r));
            extra.putAll(r.extra());
            return List.of(r.point());
        }
    }

    private static String roomsLine(Rooms.Result r) {
        Map<String, Object> e = r.extra();
        return String.format(
                Locale.ROOT,
                "rooms: server CPU %s µs/message, redis CPU %s µs/message, archiver CPU %s s,"
                        + " send-to-ack %s, sender-order inversions %s, acks missing %s",
                e.get("serverCpuMicrosPerMessage"),
                e.get("redisCpuMicrosPerMessage"),
                e.get("archiverCpuSeconds"),
                e.get("ackLatency"),
                e.get("senderOrderInversions"),
                e.get("acksMissing"));
    }

    /**
     * N idle connections (subscribed, no traffic) on one chat-app: heap after a full GC and RSS,
     * before and after, divided by N.
     */
    List<Point> connections() throws IOException, InterruptedException {
        int connections = options.integer("connections", 10000);
        int rooms = options.integer("rooms", PAGE);
        int users = options.integer("users", PAGE);
        ChatServer server = servers().get(0);
        ServerProbe probe = cluster.probe(server);
        Map<String, Object> before = memory(probe);
        Console.out("before: " + before);
        IdleConnections idle =
                new IdleConnections(cluster, server, room("idle"), rooms, users, connections);
        long start = System.nanoTime();
        idle.open();
        double connectSeconds = (System.nanoTime() - start) / 1e9;
        // Let the server finish the SUBSCRIBE frames still in flight before reading its memory.
        Thread.sleep(TimeUnit.SECONDS.toMillis(options.integer("settle", 5)));
        Map<String, Object> after = memory(probe);
        Console.out("after " + connections + " connections: " + after);
        // What idle sessions and rooms cost in periodic work (heart-beats, re-syncs, presence and
        // revocation checks): the server's CPU while nobody sends.
        Map<String, Object> idleCpu =
                IdleConnections.idleCpu(probe, options.integer("idle-seconds", 10));
        Console.out("idle CPU: " + idleCpu);
        extra.put("idleCpu", idleCpu);
        int open = idle.openCount();
        extra.put("connections", connections);
        extra.put("open", open);
        extra.put("connectSeconds", Math.round(connectSeconds * 100) / 100.0);
        extra.put("before", before);
        extra.put("after", after);
        perConnection("heapBytes", before, after, open);
        perConnection("rssBytes", before, after, open);
        List<String> histogram = probe.classHistogram(options.integer("histogram-lines", 25));
        extra.put("classHistogramTop", histogram);
        Console.out("per connection: " + extra);
        histogram.forEach(Console::out);
        idle.close();
        return List.of();
    }

    private void perConnection(
            String key, Map<String, Object> before, Map<String, Object> after, int open) {
        if (before.get(key) instanceof Long b && after.get(key) instanceof Long a && open > 0) {
            extra.put(key + "PerConnection", (a - b) / open);
            extra.put(key + "After", a);
        }
    }

    private static Map<String, Object> memory(ServerProbe probe) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", probe.pid());
        m.put("fullGc", probe.fullGc());
        probe.heapUsedBytes().ifPresent(v -> m.put("heapBytes", v));
        probe.rssBytes().ifPresent(v -> m.put("rssBytes", v));
        return m;
    }

    static void print(Point p) {
        Latency l = p.latency();
        Console.out(
                String.format(
                        Locale.ROOT,
                        "%-22s %6d msgs x %5d clients on %d server(s): %7.3f s, %9.0f msgs/s,"
                                + " %10.0f deliveries/s | lost %d dup %d ooo %d gaps %d"
                                + " errors %d closed %d | p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f"
                                + " max %.2f ms | server CPU %s µs/delivery, generator %.2f"
                                + " µs/delivery, redis CPU %s s",
                        p.label(),
                        p.messages(),
                        p.clients(),
                        p.chatServers(),
                        p.seconds(),
                        p.messagesPerSecond(),
                        p.deliveriesPerSecond(),
                        p.lost(),
                        p.duplicates(),
                        p.outOfOrder(),
                        p.gaps(),
                        p.sendErrors(),
                        p.connectionsClosed(),
                        l.p50(),
                        l.p90(),
                        l.p99(),
                        l.p999(),
                        l.max(),
                        p.serverCpuMicrosPerDelivery() == null
                                ? "n/a"
                                : String.format(
                                        Locale.ROOT, "%.2f", p.serverCpuMicrosPerDelivery()),
                        p.generatorCpuMicrosPerDelivery(),
                        p.redisCpuSeconds() == null ? "n/a" : p.redisCpuSeconds()));
        if (p.serverCpuSecondsByThread() != null && !p.serverCpuSecondsByThread().isEmpty()) {
            Console.out("  server CPU s by thread: " + p.serverCpuSecondsByThread());
        }
        if (p.firstSendError() != null) {
            Console.out("  first send error: " + p.firstSendError());
        }
    }
}
