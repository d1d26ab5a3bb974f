package io.chatroom.stores;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local Redis Cluster of {@code redis-server} processes on loopback ports, as both the launcher
 * ({@code ./chatroom up --redis-cluster}) and the tests start one: every node cluster-enabled, its
 * state ({@code nodes.conf}) and append-only file in its own directory, serving its slots while
 * another master fails over ({@code cluster-require-full-coverage no}); created with {@code
 * redis-cli --cluster create} unless the nodes already form a cluster. Callers choose the ports,
 * directories, node timeout and further settings. Needs an installed Redis 7 or later (sharded
 * pub/sub): the embedded Redis 6.2 cannot do it.
 */
public final class RedisClusterNodes {
    /** The cluster bus of a node listens on its port plus this. */
    public static final int BUS_PORT_OFFSET = 10000;

    public static final int SLOTS = 16384;

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);
    private static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.");
    private static final int MIN_VERSION = 7;

    /** One node: its port, its working directory, and the file its output goes to (truncated). */
    public record Node(int port, Path dir, Path log) {}

    /**
     * What every node runs with: its node timeout and any further {@code redis-server} settings.
     */
    public record Settings(int nodeTimeoutMillis, List<String> extra) {
        public Settings {
            extra = List.copyOf(extra);
        }
    }

    private RedisClusterNodes() {}

    /** Empty when this machine can run a cluster, else why not. */
    public static Optional<String> unavailableReason() {
        try {
            server();
            cli();
            return Optional.empty();
        } catch (StoreException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The installed {@code redis-server}, if it is Redis 7 or later. */
    public static Path server() {
        Path server = executable("redis-server");
        String version = run(List.of(server.toString(), "--version"));
        Matcher m = VERSION.matcher(version);
        if (!m.find() || Integer.parseInt(m.group(1)) < MIN_VERSION) {
            throw new StoreException(
                    "a Redis Cluster needs redis-server 7 or later (sharded pub/sub); found "
                            + version.trim());
        }
        return server;
    }

    public static Path cli() {
        return executable("redis-cli");
    }

    private static Path executable(String name) {
        return RedisBinary.installed(name, StoreSettings.system().get("PATH"))
                .orElseThrow(
                        () ->
                                new StoreException(
                                        "no "
                                                + name
                                                + " (Redis 7 or later) in /usr/bin or on the PATH"));
    }

    /**
     * Starts the nodes, creates the cluster with {@code replicas} replicas per master unless they
     * already form one (their state from an earlier start), and waits until every node serves all
     * slots. Returns the processes by port; stops them again when anything fails.
     */
    public static Map<Integer, Process> start(List<Node> nodes, Settings settings, int replicas) {
        Path server = server();
        Path cli = cli();
        Map<Integer, Process> processes = new LinkedHashMap<>();
        try {
            for (Node node : nodes) {
                processes.put(node.port(), launch(server, node, settings));
            }
            for (Node node : nodes) {
                awaitPong(node.port());
            }
            int first = nodes.get(0).port();
            String info = cli(first, "cluster", "info");
            if (info.contains("cluster_known_nodes:1\r")
                    || info.contains("cluster_known_nodes:1\n")) {
                List<String> create =
                        new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
                nodes.forEach(n -> create.add(StoreResolver.LOCALHOST + ":" + n.port()));
                create.addAll(
                        List.of("--cluster-replicas", Integer.toString(replicas), "--cluster-yes"));
                run(create);
            }
            for (Node node : nodes) {
                await(() -> servesAllSlots(node.port()), "all slots served at " + node.port());
            }
            return processes;
        } catch (RuntimeException e) {
            stop(processes.values());
            throw e;
        }
    }

    /** Starts one node (again, with the state in its directory) and waits until it answers. */
    public static Process startNode(Node node, Settings settings) {
        Process process = launch(server(), node, settings);
        try {
            awaitPong(node.port());
        } catch (RuntimeException e) {
            stop(List.of(process));
            throw e;
        }
        return process;
    }

    private static Process launch(Path server, Node node, Settings settings) {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                server.toString(),
                                "--port",
                                Integer.toString(node.port()),
                                "--bind",
                                StoreResolver.LOCALHOST,
                                "--cluster-enabled",
                                "yes",
                                "--cluster-config-file",
                                "nodes.conf",
                                "--cluster-node-timeout",
                                Integer.toString(settings.nodeTimeoutMillis()),
                                // The other masters keep serving while one fails over.
                                "--cluster-require-full-coverage",
                                "no",
                                "--appendonly",
                                "yes",
                                "--appendfsync",
                                "everysec"));
        command.addAll(settings.extra());
        try {
            Files.createDirectories(node.dir());
            Files.createDirectories(node.log().toAbsolutePath().getParent());
            // Redis keeps its files in its working directory: no --dir path that it could split.
            return new ProcessBuilder(command)
                    .directory(node.dir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(node.log().toFile()))
                    .start();
        } catch (IOException e) {
            throw new StoreException(
                    "Could not start redis-server on " + node.port() + ": " + e, e);
        }
    }

    private static void awaitPong(int port) {
        await(() -> RedisPing.pong(StoreResolver.LOCALHOST, port), "redis-server on " + port);
    }

    /** Whether the node sees the cluster ok with every slot served by a live master. */
    public static boolean servesAllSlots(int port) {
        String info = cli(port, "cluster", "info");
        return info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:" + SLOTS);
    }

    /** Runs a redis-cli command against one node and returns its output. */
    public static String cli(int port, String... command) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                cli().toString(),
                                "-h",
                                StoreResolver.LOCALHOST,
                                "-p",
                                Integer.toString(port)));
        args.addAll(List.of(command));
        return run(args);
    }

    /** Runs a command to its end and returns its output; fails when it fails or hangs. */
    public static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new StoreException("timed out: " + String.join(" ", command));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new StoreException(String.join(" ", command) + " failed: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new StoreException("Could not run " + command.get(0) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("Interrupted while running " + command.get(0), e);
        }
    }

    private static void await(BooleanSupplier ready, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new StoreException("Redis cluster: timed out waiting for " + what);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException("Interrupted while waiting for " + what, e);
            }
        }
    }

    /** SIGTERM (Redis writes its append-only file), then SIGKILL for what does not exit in time. */
    private static void stop(Iterable<Process> processes) {
        processes.forEach(Process::destroy);
        for (Process process : processes) {
            try {
                if (!process.waitFor(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
