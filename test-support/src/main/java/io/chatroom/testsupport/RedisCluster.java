package io.chatroom.testsupport;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
 * A local Redis Cluster for tests: {@code masters} cluster-enabled {@code redis-server} processes
 * with {@code replicas} replicas each, on free loopback ports, data (AOF on, as everywhere we run
 * Redis) in a temporary directory that {@link #close()} removes. Built with {@code redis-cli
 * --cluster create}; needs Redis 7 (sharded pub/sub), which {@link #unavailableReason()} checks.
 * Node timeout is short so a killed master fails over within a few seconds, and the cluster keeps
 * serving the other masters' slots meanwhile ({@code cluster-require-full-coverage no}).
 */
public final class RedisCluster implements AutoCloseable {
    private static final Path SERVER = Path.of("/usr/bin/redis-server");
    private static final Path CLI = Path.of("/usr/bin/redis-cli");
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final int NODE_TIMEOUT_MILLIS = 1000;
    private static final int BUS_PORT_OFFSET = 10000;
    private static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.");
    private static final Pattern MOVING = Pattern.compile("Moving (\\d+) slots from");

    private final Path dir;
    private final Map<Integer, Process> nodes = new LinkedHashMap<>();

    private RedisCluster(Path dir) {
        this.dir = dir;
    }

    /** Why no cluster can be started here, or empty when one can. */
    public static Optional<String> unavailableReason() {
        if (!Files.isExecutable(SERVER) || !Files.isExecutable(CLI)) {
            return Optional.of("no " + SERVER + " and " + CLI + " (Redis 7 or later) installed");
        }
        String version = run(List.of(SERVER.toString(), "--version"));
        Matcher m = VERSION.matcher(version);
        if (!m.find() || Integer.parseInt(m.group(1)) < 7) {
            return Optional.of("Redis Cluster tests need redis-server 7+, found: " + version);
        }
        return Optional.empty();
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
            for (int i = 0; i < masters * (1 + replicas); i++) {
                cluster.startNode(freePortWithBus());
            }
            List<String> create = new ArrayList<>(List.of(CLI.toString(), "--cluster", "create"));
            cluster.nodes.keySet().forEach(p -> create.add("127.0.0.1:" + p));
            create.addAll(
                    List.of("--cluster-replicas", Integer.toString(replicas), "--cluster-yes"));
            run(create);
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.healthy(masters));
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void startNode(int port) {
        Path nodeDir = dir.resolve(Integer.toString(port));
        try {
            Files.createDirectories(nodeDir);
            Process process =
                    new ProcessBuilder(
                                    SERVER.toString(),
                                    "--port",
                                    Integer.toString(port),
                                    "--bind",
                                    "127.0.0.1",
                                    "--dir",
                                    nodeDir.toString(),
                                    "--cluster-enabled",
                                    "yes",
                                    "--cluster-config-file",
                                    "nodes.conf",
                                    "--cluster-node-timeout",
                                    Integer.toString(NODE_TIMEOUT_MILLIS),
                                    // A replica may always take over, however long it was cut off.
                                    "--cluster-replica-validity-factor",
                                    "0",
                                    "--cluster-require-full-coverage",
                                    "no",
                                    // A master emptied by a rebalance stays a master (Redis 7
                                    // would turn it into a replica), so slots can move back.
                                    "--cluster-allow-replica-migration",
                                    "no",
                                    "--appendonly",
                                    "yes",
                                    "--appendfsync",
                                    "everysec",
                                    "--save",
                                    "")
                            .redirectErrorStream(true)
                            .redirectOutput(nodeDir.resolve("redis.log").toFile())
                            .start();
            nodes.put(port, process);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + SERVER, e);
        }
        await().atMost(PATIENCE).until(() -> answers(port));
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
        String slotArg = Integer.toString(slot);
        int fromPort = masterOfSlot(slot);
        String fromId = cli(fromPort, "cluster", "myid").trim();
        String toId = cli(toPort, "cluster", "myid").trim();
        cli(toPort, "cluster", "setslot", slotArg, "importing", fromId);
        cli(fromPort, "cluster", "setslot", slotArg, "migrating", toId);
        while (true) {
            String keys = cli(fromPort, "cluster", "getkeysinslot", slotArg, "100").trim();
            if (keys.isEmpty()) {
                break;
            }
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
            migrate.addAll(List.of(keys.split("\n")));
            cli(fromPort, migrate.toArray(String[]::new));
        }
        cli(toPort, "cluster", "setslot", slotArg, "node", toId);
        cli(fromPort, "cluster", "setslot", slotArg, "node", toId);
        for (int master : masters()) {
            if (master != fromPort && master != toPort) {
                cli(master, "cluster", "setslot", slotArg, "node", toId);
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
        return movedSlots(
                run(
                        List.of(
                                CLI.toString(),
                                "--cluster",
                                "rebalance",
                                "127.0.0.1:" + port,
                                "--cluster-weight",
                                id + "=0",
                                "--cluster-yes")));
    }

    /**
     * Spreads the slots evenly over every master, empty ones included, with {@code redis-cli
     * --cluster rebalance --cluster-use-empty-masters}. Returns the number of slots moved.
     */
    public int rebalance() {
        return movedSlots(
                run(
                        List.of(
                                CLI.toString(),
                                "--cluster",
                                "rebalance",
                                "127.0.0.1:" + anyLivePort(),
                                "--cluster-use-empty-masters",
                                "--cluster-yes")));
    }

    private static int movedSlots(String rebalanceOutput) {
        Matcher matcher = MOVING.matcher(rebalanceOutput);
        int moved = 0;
        while (matcher.find()) {
            moved += Integer.parseInt(matcher.group(1));
        }
        return moved;
    }

    /** Ports of every master that is up, with or without slots. */
    public List<Integer> allMasters() {
        List<Integer> masters = new ArrayList<>();
        for (String[] node : clusterNodes()) {
            if (node[2].contains("master") && !node[2].contains("fail")) {
                masters.add(port(node[1]));
            }
        }
        return masters;
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
        startNode(port);
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
        for (int port : livePorts()) {
            String info = cli(port, "cluster", "info");
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                return false;
            }
        }
        return masters().size() == masters;
    }

    /** Runs a redis-cli command against one node and returns its output. */
    public String cli(int port, String... command) {
        List<String> args = new ArrayList<>(List.of(CLI.toString(), "-p", Integer.toString(port)));
        args.addAll(List.of(command));
        return run(args);
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

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(command + " failed: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean answers(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port whose cluster bus port (port + 10000) is free too. */
    private static int freePortWithBus() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20000, 50000);
            if (free(port) && free(port + BUS_PORT_OFFSET)) {
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
