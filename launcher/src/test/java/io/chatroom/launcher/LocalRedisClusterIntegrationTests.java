package io.chatroom.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./chatroom up --redis-cluster}'s Redis: 6 nodes created as 3 masters with a replica each,
 * state under the run directory, so stopping and starting again finds the same cluster (no second
 * {@code --cluster create}).
 */
class LocalRedisClusterIntegrationTests {
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    @Test
    void createsTheClusterOnceAndFindsItAgainAfterARestart(@TempDir Path runDir) {
        Assumptions.assumeTrue(
                LocalRedisCluster.unavailableReason().isEmpty(),
                () -> "skipped: " + LocalRedisCluster.unavailableReason().orElse(""));
        int firstPort = freeBase();

        LocalRedisCluster.Started first = LocalRedisCluster.start(runDir, firstPort);
        String id;
        try {
            assertThat(first.nodes().split(",")).hasSize(6).contains("127.0.0.1:" + firstPort);
            assertThat(runDir.resolve("redis-cluster/" + firstPort + "/nodes.conf")).exists();
            id = myId(runDir, firstPort);
        } finally {
            stop(first);
        }

        LocalRedisCluster.Started again = LocalRedisCluster.start(runDir, firstPort);
        try {
            assertThat(again.nodes()).isEqualTo(first.nodes());
            // The same cluster: the node kept its identity rather than being created anew.
            assertThat(myId(runDir, firstPort)).isEqualTo(id);
        } finally {
            stop(again);
        }
    }

    /** The node's own id, from its cluster state file. */
    private static String myId(Path runDir, int port) {
        try {
            return java.nio.file.Files.readAllLines(
                            runDir.resolve("redis-cluster/" + port + "/nodes.conf"))
                    .stream()
                    .filter(line -> line.contains("myself"))
                    .map(line -> line.split(" ")[0])
                    .findFirst()
                    .orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void stop(LocalRedisCluster.Started cluster) {
        cluster.processes().forEach(ChildProcess::requestStop);
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        cluster.processes().forEach(p -> p.awaitStop(deadline));
    }

    /** A base port with the 6 node ports and their bus ports free. */
    private static int freeBase() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(21000, 30000);
            boolean free = true;
            for (int i = 0; i < 6 && free; i++) {
                free = FreePort.isFree(base + i) && FreePort.isFree(base + i + 10000);
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no free ports for a local cluster");
    }
}
