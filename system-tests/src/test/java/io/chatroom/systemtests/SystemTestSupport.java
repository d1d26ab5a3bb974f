package io.chatroom.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the system-test classes share: the jar check, client fleets, rooms, latencies. */
final class SystemTestSupport {
    private static final Logger log = LoggerFactory.getLogger(SystemTestSupport.class);
    private static final int LOGIN_PARALLELISM = 8;

    private SystemTestSupport() {}

    /**
     * Skips (loudly) when the apps are not packaged. Redis and PostgreSQL are never a reason to
     * skip: without installed ones the embedded ones run (see {@code RedisBinary}, {@code
     * TestInfra}).
     */
    static void assumeRunnable() {
        List<Path> missing = SystemTestPaths.missingJars();
        if (!missing.isEmpty()) {
            log.error(
                    "\n\n*** SYSTEM TESTS SKIPPED: fat jars missing: {}\n*** Package the apps"
                            + " first: ./mvnw -B -DskipTests package, then ./mvnw -B verify -pl"
                            + " system-tests\n",
                    missing);
        }
        Assumptions.assumeTrue(missing.isEmpty(), "fat jars missing: " + missing);
    }

    /** Fresh room names for one scenario. */
    static List<String> rooms(String scenario, int count) {
        String tag = UUID.randomUUID().toString().substring(0, 6);
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rooms.add(scenario + "-" + tag + "-" + i);
        }
        return rooms;
    }

    /**
     * Registers {@code count} users, each joining one room (round robin), logged in and connected
     * to the chat server the coordinator assigned.
     */
    static List<ChatClient> connectedClients(Cluster cluster, int count, List<String> rooms) {
        List<Callable<ChatClient>> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String room = rooms.get(i % rooms.size());
            tasks.add(
                    () -> {
                        ChatClient client = ChatClient.registerNew(cluster.coordinatorUrls(), "u");
                        client.join(room);
                        return client.loginAndConnect();
                    });
        }
        return runAll(tasks, LOGIN_PARALLELISM);
    }

    static <T> List<T> runAll(List<Callable<T>> tasks, int parallelism) {
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        try {
            List<Future<T>> futures = pool.invokeAll(tasks);
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** How many of the clients each chat server holds right now. */
    static Map<String, Integer> byServer(Collection<ChatClient> clients) {
        Map<String, Integer> counts = new HashMap<>();
        clients.forEach(c -> counts.merge(c.server().id(), 1, Integer::sum));
        return counts;
    }

    /** The chat server holding most of the clients: the victim that hurts most. */
    static String busiestServer(Collection<ChatClient> clients) {
        return byServer(clients).entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
    }

    static void assertClean(Checker.Counts counts) {
        assertThat(counts.clean()).as(counts.line()).isTrue();
    }

    static void closeAll(Collection<ChatClient> clients) {
        clients.forEach(ChatClient::close);
    }

    /** The p99 of delivery latency (send to receipt) over every frame the receivers got. */
    static Duration p99Latency(Collection<ChatClient> receivers, Traffic traffic, String room) {
        Map<String, ChatClient.Sent> sent = traffic.byText();
        List<Long> latencies = new ArrayList<>();
        for (ChatClient receiver : receivers) {
            for (ChatClient.Received frame : receiver.frames(room)) {
                ChatClient.Sent message = sent.get(frame.message().text());
                if (message != null) {
                    latencies.add(frame.receivedNanos() - message.firstSentNanos);
                }
            }
        }
        if (latencies.isEmpty()) {
            return Duration.ZERO;
        }
        latencies.sort(Long::compare);
        int index = (int) Math.ceil(latencies.size() * 0.99) - 1;
        return Duration.ofNanos(latencies.get(Math.max(0, index)));
    }
}
