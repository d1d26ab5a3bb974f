package io.chatroom.launcher;

import io.chatroom.stores.RedisClusterNodes;
import io.chatroom.stores.RedisPing;
import io.chatroom.stores.StoreException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ./chatroom up --redis-cluster}: a local Redis Cluster ({@link RedisClusterNodes}) of 3
 * masters with a replica each, on ports {@code firstPort}..{@code firstPort+5} (cluster bus
 * +10000), AOF on, data and cluster state in {@code .run/redis-cluster/<port>}, so a restart finds
 * the same cluster. Created with {@code redis-cli --cluster create} on first use. Needs an
 * installed Redis 7 or later (sharded pub/sub); the embedded Redis 6.2 cannot do it.
 */
final class LocalRedisCluster {
    static final int DEFAULT_FIRST_PORT = 7000;
    private static final int MASTERS = 3;
    private static final int REPLICAS = 1;
    private static final int NODES = MASTERS * (1 + REPLICAS);
    private static final RedisClusterNodes.Settings SETTINGS =
            new RedisClusterNodes.Settings(3000, List.of());

    /** The started nodes and {@code spring.data.redis.cluster.nodes} for the apps. */
    record Started(List<ChildProcess> processes, String nodes) {}

    private LocalRedisCluster() {}

    /** Starts (and on first use creates) the cluster; fails with a plain reason if it cannot. */
    static Started start(Path runDir, int firstPort) {
        unavailableReason()
                .ifPresent(
                        reason -> {
                            throw new LauncherException(
                                    "--redis-cluster needs Redis 7 or later installed: "
                                            + reason
                                            + ". E.g. apt-get install redis-server; or run"
                                            + " ./chatroom up without --redis-cluster.");
                        });
        List<RedisClusterNodes.Node> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            int port = firstPort + i;
            if (RedisPing.pong(StoreResolver.LOCALHOST, port)
                    || !FreePort.isFree(port)
                    || !FreePort.isFree(port + RedisClusterNodes.BUS_PORT_OFFSET)) {
                throw new LauncherException(
                        "--redis-cluster uses ports "
                                + firstPort
                                + "-"
                                + (firstPort + NODES - 1)
                                + " (and +10000 for the cluster bus); port "
                                + port
                                + " is in use.");
            }
            nodes.add(
                    new RedisClusterNodes.Node(
                            port,
                            runDir.resolve("redis-cluster").resolve(Integer.toString(port)),
                            runDir.resolve("logs/redis-" + port + ".log")));
        }
        Map<Integer, Process> started;
        try {
            started = RedisClusterNodes.start(nodes, SETTINGS, REPLICAS);
        } catch (StoreException e) {
            throw new LauncherException("Could not start the Redis cluster: " + e.getMessage(), e);
        }
        List<ChildProcess> processes =
                nodes.stream()
                        .map(
                                n ->
                                        ChildProcess.adopt(
                                                "redis-" + n.port(),
                                                n.log(),
                                                started.get(n.port())))
                        .toList();
        return new Started(
                processes,
                String.join(
                        ",",
                        nodes.stream()
                                .map(n -> StoreResolver.LOCALHOST + ":" + n.port())
                                .toList()));
    }

    /** How many masters the cluster has, for the console line. */
    static int masters() {
        return MASTERS;
    }

    /** Empty when this machine can run {@code --redis-cluster}, else why not. */
    static Optional<String> unavailableReason() {
        return RedisClusterNodes.unavailableReason();
    }
}
