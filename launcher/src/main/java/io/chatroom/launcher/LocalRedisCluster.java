package io.chatroom.launcher;

import io.chatroom.stores.RedisPing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./chatroom up --redis-cluster}: a local Redis Cluster of 3 masters with a replica each,
 * {@code redis-server} processes on ports {@code firstPort}..{@code firstPort+5} (cluster bus
 * +10000), AOF on, data and cluster state in {@code .run/redis-cluster/<port>}, so a restart finds
 * the same cluster. Created with {@code redis-cli --cluster create} on first use. Needs an
 * installed Redis 7 or later (sharded pub/sub); the embedded Redis 6.2 cannot do it.
 */
final class LocalRedisCluster {
    static final int DEFAULT_FIRST_PORT = 7000;
    private static final int MASTERS = 3;
    private static final int NODES = 6;
    private static final int BUS_OFFSET = 10000;
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.");

    /** The started nodes and {@code spring.data.redis.cluster.nodes} for the apps. */
    record Started(List<ChildProcess> processes, String nodes) {}

    private LocalRedisCluster() {}

    /** Starts (and on first use creates) the cluster; fails with a plain reason if it cannot. */
    static Started start(Path runDir, int firstPort) {
        Path server = executable("redis-server");
        Path cli = executable("redis-cli");
        String version = run(List.of(server.toString(), "--version"));
        Matcher m = VERSION.matcher(version);
        if (!m.find() || Integer.parseInt(m.group(1)) < 7) {
            throw new LauncherException(
                    "--redis-cluster needs Redis 7 or later (sharded pub/sub); found " + version);
        }
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            int port = firstPort + i;
            if (RedisPing.pong(StoreResolver.LOCALHOST, port)
                    || !FreePort.isFree(port)
                    || !FreePort.isFree(port + BUS_OFFSET)) {
                throw new LauncherException(
                        "--redis-cluster uses ports "
                                + firstPort
                                + "-"
                                + (firstPort + NODES - 1)
                                + " (and +10000 for the cluster bus); port "
                                + port
                                + " is in use.");
            }
            ports.add(port);
        }
        List<ChildProcess> processes = new ArrayList<>();
        try {
            for (int port : ports) {
                Path dir = runDir.resolve("redis-cluster").resolve(Integer.toString(port));
                Files.createDirectories(dir);
                processes.add(
                        ChildProcess.startIn(
                                "redis-" + port,
                                List.of(
                                        server.toString(),
                                        "--port",
                                        Integer.toString(port),
                                        "--bind",
                                        StoreResolver.LOCALHOST,
                                        "--cluster-enabled",
                                        "yes",
                                        "--cluster-config-file",
                                        "nodes.conf",
                                        "--cluster-node-timeout",
                                        "3000",
                                        // The other masters keep serving while one fails over.
                                        "--cluster-require-full-coverage",
                                        "no",
                                        "--appendonly",
                                        "yes",
                                        "--appendfsync",
                                        "everysec"),
                                Map.of(),
                                runDir.resolve("logs/redis-" + port + ".log"),
                                dir));
            }
            for (int port : ports) {
                await(() -> RedisPing.pong(StoreResolver.LOCALHOST, port), "redis " + port);
            }
            String info = cli(cli, ports.get(0), "cluster", "info");
            if (info.contains("cluster_known_nodes:1\r")
                    || info.contains("cluster_known_nodes:1\n")) {
                List<String> create =
                        new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
                ports.forEach(p -> create.add(StoreResolver.LOCALHOST + ":" + p));
                create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
                run(create);
            }
            for (int port : ports) {
                await(
                        () -> cli(cli, port, "cluster", "info").contains("cluster_state:ok"),
                        "cluster state ok at " + port);
            }
        } catch (IOException | RuntimeException e) {
            processes.forEach(ChildProcess::requestStop);
            throw e instanceof LauncherException le
                    ? le
                    : new LauncherException("Could not start the Redis cluster: " + e, e);
        }
        return new Started(
                processes,
                String.join(
                        ",", ports.stream().map(p -> StoreResolver.LOCALHOST + ":" + p).toList()));
    }

    /** How many masters the cluster has, for the console line. */
    static int masters() {
        return MASTERS;
    }

    private static Path executable(String name) {
        Path installed = Path.of("/usr/bin", name);
        if (Files.isExecutable(installed)) {
            return installed;
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new LauncherException(
                "--redis-cluster needs "
                        + name
                        + " (Redis 7 or later) installed, e.g. apt-get install redis-server; or"
                        + " run ./chatroom up without --redis-cluster.");
    }

    private static String cli(Path cli, int port, String... command) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                cli.toString(),
                                "-h",
                                StoreResolver.LOCALHOST,
                                "-p",
                                Integer.toString(port)));
        args.addAll(List.of(command));
        return run(args);
    }

    private static void await(java.util.function.BooleanSupplier ready, String what) {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new LauncherException("Redis cluster: timed out waiting for " + what);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("Interrupted while starting the Redis cluster");
            }
        }
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(STARTUP.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new LauncherException("timed out: " + String.join(" ", command));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new LauncherException(String.join(" ", command) + " failed: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new LauncherException("Could not run " + command.get(0) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("Interrupted");
        }
    }

    /** Empty when this machine can run {@code --redis-cluster}, else why not. */
    static Optional<String> unavailableReason() {
        try {
            Path server = executable("redis-server");
            executable("redis-cli");
            Matcher m = VERSION.matcher(run(List.of(server.toString(), "--version")));
            return m.find() && Integer.parseInt(m.group(1)) >= 7
                    ? Optional.empty()
                    : Optional.of("redis-server older than 7");
        } catch (LauncherException e) {
            return Optional.of(e.getMessage());
        }
    }
}
