package io.chatroom.testsupport;

import static org.awaitility.Awaitility.await;

import io.chatroom.stores.RedisClusterNodes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A local Redis Cluster for tests ({@link RedisClusterNodes}, as the launcher's): {@code masters}
 * nodes with {@code replicas} replicas each, on free loopback ports, data (AOF on, as everywhere we
 * run Redis) in a temporary directory that {@link #close()} removes. Needs Redis 7 (sharded
 * pub/sub), which {@link #unavailableReason()} checks. Node timeout is short so a killed master
 * fails over within a few seconds, and the cluster keeps serving the other masters' slots
 * meanwhile.
 */
public final class RedisCluster implements AutoCloseable {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Pattern MOVING = Pattern.compile("Moving (\\d+) slots from");
    private static final RedisClusterNodes.Settings SETTINGS =
            new RedisClusterNodes.Settings(
                    1000,
                    List.of(
                            // A replica may always take over, however long it was cut off.
                            "--cluster-replica-validity-factor",
                            "0",
                            // A master emptied by a rebalance stays a master (Redis 7 would turn
                            // it into a replica), so slots can move back.
                            "--cluster-allow-replica-migration",
                            "no",
                            "--save",
                            ""));

    private final Path dir;
    private final Map<Integer, Process> nodes = new LinkedHashMap<>();

    private RedisCluster(Path dir) {
        this.dir = dir;
    }

    /** Why no cluster can be started here, or empty when one can. */
    public static Optional<String> unavailableReason() {
        return RedisClusterNodes.unavailableReason();
    }

    /** Starts and creates a cluster; waits until every node agrees that all slots are served. */
    public static RedisCluster start(int masters, int replicas) {
        RedisCluster cluster;
        try {
            cluster = new RedisCluster(Files.createTempDirectory("chatroom-redis-cluster"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            List<RedisClusterNodes.Node> nodes = new ArrayList<>();
            for (int i = 0; i < masters * (1 + replicas); i++) {
                nodes.add(cluster.node(freePortWithBus()));
            }
            cluster.nodes.putAll(RedisClusterNodes.start(nodes, SETTINGS, replicas));
            cluster.awaitHealthy(masters);
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private RedisClusterNodes.Node node(int port) {
        Path nodeDir = dir.resolve(Integer.toString(port));
        return new RedisClusterNodes.Node(port, nodeDir, nodeDir.resolve("redis.log"));
    }

    /** {@code spring.data.redis.cluster.nodes}: every node of the cluster. */
    public String nodesProperty() {
        return String.join(",", nodes.keySet().stream().map(p -> "127.0.0.1:" + p).toList());
    }

    /** Ports of the nodes that are masters now (as a live node sees it). */
    public List<Integer> masters() {
        List<Integer> masters = new ArrayList<>();
        for (String[] node : clusterNodes()) {
            if (node[2].contains("master") && !node[2].contains("fail") && node.length > 8) {
                masters.add(port(node[1]));
            }
        }
        return masters;
    }

    /** Port of the master that serves the key's slot now. */
    public int masterOf(String key) {
        return masterOfSlot(slotOf(key));
    }

    /** Port of the master that serves the slot now. */
    public int masterOfSlot(int slot) {
        for (String[] node : clusterNodes()) {
            if (!node[2].contains("master") || node[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < node.length; i++) {
                String range = node[i];
                if (range.startsWith("[")) {
                    continue;
                }
                String[] bounds = range.split("-");
                int from = Integer.parseInt(bounds[0]);
                int to = bounds.length > 1 ? Integer.parseInt(bounds[1]) : from;
                if (slot >= from && slot <= to) {
                    return port(node[1]);
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    /** The hash slot of a key. */
    public int slotOf(String key) {
        return Integer.parseInt(cli(anyLivePort(), "cluster", "keyslot", key).trim());
    }

    /**
     * Moves one slot with its keys from its master to the master on {@code toPort}, the way {@code
     * redis-cli --cluster reshard} does: IMPORTING/MIGRATING, MIGRATE of the keys in batches, then
     * the new owner announced to every master.
     */
    public void moveSlot(int slot, int toPort) {
        startSlotMove(slot, toPort).finish();
    }

    /**
     * Starts moving one slot to the master on {@code toPort} (IMPORTING there, MIGRATING at its
     * master) and moves none of its keys yet: the caller moves some with {@link SlotMove#migrate}
     * to hold the slot half moved, then {@link SlotMove#finish}es.
     */
    public SlotMove startSlotMove(int slot, int toPort) {
        String slotArg = Integer.toString(slot);
        int fromPort = masterOfSlot(slot);
        String fromId = cli(fromPort, "cluster", "myid").trim();
        String toId = cli(toPort, "cluster", "myid").trim();
        cli(toPort, "cluster", "setslot", slotArg, "importing", fromId);
        cli(fromPort, "cluster", "setslot", slotArg, "migrating", toId);
        return new SlotMove(slotArg, fromPort, toPort, toId);
    }

    /** A slot being moved, see {@link #startSlotMove}. */
    public final class SlotMove {
        private final String slot;
        private final int fromPort;
        private final int toPort;
        private final String toId;
        private boolean finished;

        private SlotMove(String slot, int fromPort, int toPort, String toId) {
            this.slot = slot;
            this.fromPort = fromPort;
            this.toPort = toPort;
            this.toId = toId;
        }

        /** MIGRATEs these keys of the slot to the new master. */
        public void migrate(List<String> keys) {
            List<String> migrate =
                    new ArrayList<>(
                            List.of(
                                    "migrate",
                                    "127.0.0.1",
                                    Integer.toString(toPort),
                                    "",
                                    "0",
                                    "5000",
                                    "keys"));
            migrate.addAll(keys);
            cli(fromPort, migrate.toArray(String[]::new));
        }

        /**
         * Moves the slot's remaining keys and announces the new owner to every master; once, later
         * calls do nothing (a test's cleanup may call it again).
         */
        public void finish() {
            if (finished) {
                return;
            }
            finished = true;
            while (true) {
                String keys = cli(fromPort, "cluster", "getkeysinslot", slot, "100").trim();
                if (keys.isEmpty()) {
                    break;
                }
                migrate(List.of(keys.split("\n")));
            }
            cli(toPort, "cluster", "setslot", slot, "node", toId);
            cli(fromPort, "cluster", "setslot", slot, "node", toId);
            for (int master : masters()) {
                if (master != fromPort && master != toPort) {
                    cli(master, "cluster", "setslot", slot, "node", toId);
                }
            }
        }
    }

    /**
     * Moves every slot of the master on {@code port} to the other masters with {@code redis-cli
     * --cluster rebalance} and a weight of 0 for it, as an operator retiring a node would. Returns
     * the number of slots moved.
     */
    public int emptyMaster(int port) {
        String id = cli(port, "cluster", "myid").trim();
        return rebalance(port, "--cluster-weight", id + "=0");
    }

    /**
     * Spreads the slots evenly over every master, empty ones included, with {@code redis-cli
     * --cluster rebalance --cluster-use-empty-masters}. Returns the number of slots moved.
     */
    public int rebalance() {
        return rebalance(anyLivePort(), "--cluster-use-empty-masters");
    }

    /** Runs {@code redis-cli --cluster rebalance} through a node; returns the slots it moved. */
    private static int rebalance(int port, String... options) {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                RedisClusterNodes.cli().toString(),
                                "--cluster",
                                "rebalance",
                                "127.0.0.1:" + port));
        command.addAll(List.of(options));
        command.add("--cluster-yes");
        return movedSlots(RedisClusterNodes.run(command));
    }

    private static int movedSlots(String rebalanceOutput) {
        Matcher matcher = MOVING.matcher(rebalanceOutput);
        int moved = 0;
        while (matcher.find()) {
            moved += Integer.parseInt(matcher.group(1));
        }
        return moved;
    }

    /** Kills a node with SIGKILL, as a crash: what it did not replicate yet is lost. */
    public void kill(int port) {
        Process process = nodes.get(port);
        process.destroyForcibly();
        try {
            process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts a killed node again with its data and cluster state: it rejoins as a replica of the
     * master that took over from it. Returns once it replicates.
     */
    public void restart(int port) {
        nodes.put(port, RedisClusterNodes.startNode(node(port), SETTINGS));
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> {
                            String role = cli(port, "role");
                            return role.startsWith("slave") && role.contains("connected");
                        });
    }

    /**
     * Waits until a replica took over from the killed master: the live nodes serve every slot
     * again, with {@code masters} masters, none of them the killed one.
     */
    public void awaitFailover(int killed, int masters) {
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !masters().contains(killed) && healthy(masters));
    }

    /** Ports of the nodes that were killed and not restarted. */
    public List<Integer> deadNodes() {
        return nodes.entrySet().stream()
                .filter(e -> !e.getValue().isAlive())
                .map(Map.Entry::getKey)
                .toList();
    }

    /** Waits until the live nodes serve every slot with {@code masters} masters. */
    public void awaitHealthy(int masters) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> healthy(masters));
    }

    private boolean healthy(int masters) {
        return livePorts().stream().allMatch(RedisClusterNodes::servesAllSlots)
                && masters().size() == masters;
    }

    /** Runs a redis-cli command against one node and returns its output. */
    public String cli(int port, String... command) {
        return RedisClusterNodes.cli(port, command);
    }

    private List<String[]> clusterNodes() {
        List<String[]> rows = new ArrayList<>();
        for (String line : cli(anyLivePort(), "cluster", "nodes").split("\n")) {
            if (!line.isBlank()) {
                rows.add(line.trim().split(" "));
            }
        }
        return rows;
    }

    private List<Integer> livePorts() {
        return nodes.entrySet().stream()
                .filter(e -> e.getValue().isAlive())
                .map(Map.Entry::getKey)
                .toList();
    }

    private int anyLivePort() {
        return livePorts().get(0);
    }

    private static int port(String address) {
        // 127.0.0.1:7000@17000
        String hostPort = address.split("@")[0];
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    @Override
    public void close() {
        for (Process process : nodes.values()) {
            process.destroyForcibly();
        }
        for (Process process : nodes.values()) {
            try {
                process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is harmless.
        }
    }

    /** A port whose cluster bus port (port + 10000) is free too. */
    private static int freePortWithBus() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20000, 50000);
            if (free(port) && free(port + RedisClusterNodes.BUS_PORT_OFFSET)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair for a cluster node");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
