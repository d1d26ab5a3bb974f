package io.chatroom.bench.run;

import com.sun.management.OperatingSystemMXBean;
import io.chatroom.bench.Console;
import io.chatroom.bench.client.CoordinatorClient.ChatServer;
import io.chatroom.bench.client.CoordinatorClient.Login;
import io.chatroom.bench.client.StompClient;
import io.chatroom.bench.metrics.SeqLedger;
import io.chatroom.bench.metrics.ServerProbe;
import io.chatroom.bench.report.Latency;
import io.chatroom.bench.report.Point;
import io.chatroom.bench.stomp.StompFrames;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One room with {@code clients} receivers and a few publishers, spread over chosen chat servers;
 * measures windows of messages sent to it. Connections stay open between windows.
 */
public final class FanOut implements AutoCloseable {
    private static final long WARM_UP_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long WARM_UP_RETRY_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final double NANOS_PER_SECOND = 1e9;
    private static final double NANOS_PER_MICRO = 1e3;
    private static final int MAX_TOKENS_FOR_PUBLISHERS = 1;
    private static final int TOP_THREAD_GROUPS = 8;

    /** Shape of the room: who connects where. */
    public record Shape(
            String room,
            int clients,
            int publishers,
            int users,
            List<ChatServer> servers,
            boolean paceByDelivery) {}

    private final Cluster cluster;
    private final Shape shape;
    private final String sendPrefix;
    private final List<Receiver> receivers = new ArrayList<>();
    private final List<Publisher> publishers = new ArrayList<>();
    private final List<StompClient> clients = new ArrayList<>();
    private final Set<String> usedServerUrls = new LinkedHashSet<>();
    private final long idleTimeoutNanos;

    public FanOut(Cluster cluster, Shape shape, long idleTimeoutSeconds) {
        this.cluster = cluster;
        this.shape = shape;
        this.sendPrefix = StompFrames.sendPrefix(shape.room());
        this.idleTimeoutNanos = TimeUnit.SECONDS.toNanos(idleTimeoutSeconds);
    }

    /**
     * Logs users in and connects everybody. With no servers given, each client goes to the server
     * its login was assigned; otherwise clients are spread round-robin over the given servers.
     */
    public void open() throws InterruptedException {
        int users = Math.max(1, Math.min(shape.users(), shape.clients()));
        List<Login> logins = cluster.login("u", users);
        List<Login> publisherLogins =
                cluster.login("p", Math.max(MAX_TOKENS_FOR_PUBLISHERS, shape.publishers()));
        List<Cluster.Target> targets = new ArrayList<>();
        for (int i = 0; i < shape.clients(); i++) {
            Login login = logins.get(i % logins.size());
            Receiver r = new Receiver();
            receivers.add(r);
            targets.add(new Cluster.Target(login.token(), wsUrl(login, i), r));
        }
        for (int i = 0; i < shape.publishers(); i++) {
            Login login = publisherLogins.get(i);
            Publisher p = new Publisher("c" + Long.toString(System.nanoTime(), 36) + "-" + i + "-");
            publishers.add(p);
            targets.add(new Cluster.Target(login.token(), wsUrl(login, i), p));
        }
        long start = System.nanoTime();
        List<StompClient> connected = cluster.connect(targets);
        clients.addAll(connected);
        for (int i = 0; i < receivers.size(); i++) {
            StompClient c = connected.get(i);
            receivers.get(i).attach(c);
            c.subscribe(StompFrames.SUB_ROOM, "/topic/rooms/" + shape.room());
        }
        for (int i = 0; i < publishers.size(); i++) {
            StompClient c = connected.get(receivers.size() + i);
            publishers.get(i).attach(c);
            Cluster.subscribeSenderQueues(c);
        }
        if (shape.paceByDelivery() && publishers.size() == 1 && !receivers.isEmpty()) {
            // The last receiver paces the publisher: a slot frees when it has the message.
            Publisher only = publishers.get(0);
            only.releaseOnAck(false);
            receivers.get(receivers.size() - 1).onNewDelivery(only::delivered);
        }
        Console.out(
                String.format(
                        "connected %d receivers + %d publishers to %s in %.1f s (room %s)",
                        receivers.size(),
                        publishers.size(),
                        usedServerUrls,
                        (System.nanoTime() - start) / NANOS_PER_SECOND,
                        shape.room()));
    }

    private String wsUrl(Login login, int index) {
        return Cluster.wsUrl(login, shape.servers(), index, usedServerUrls);
    }

    /** Sends messages until every receiver has one, so all subscriptions are known to be live. */
    private long warmUp() {
        Publisher p = publishers.get(0);
        long deadline = System.nanoTime() + WARM_UP_TIMEOUT_NANOS;
        while (true) {
            long acksBefore = p.acks() + p.errors();
            p.sendWarmUp(sendPrefix);
            while (p.acks() + p.errors() == acksBefore) {
                checkDeadline(deadline, "no ack for the warm-up message");
                LockSupport.parkNanos(POLL_NANOS);
            }
            if (p.errors() > 0) {
                throw new IllegalStateException("warm-up message refused: " + p.firstError());
            }
            long seq = p.lastAckSeq();
            long retryAt = System.nanoTime() + WARM_UP_RETRY_NANOS;
            while (System.nanoTime() < retryAt) {
                if (receivers.stream().allMatch(r -> r.highestSeqSeen() >= seq)) {
                    return seq;
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
            long missing = receivers.stream().filter(r -> r.highestSeqSeen() < seq).count();
            checkDeadline(deadline, missing + " receivers never got a warm-up message");
        }
    }

    private static void checkDeadline(long deadline, String problem) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(problem);
        }
    }

    /** Measures one window of {@code messages}; a rate of 0 means "as fast as acks allow". */
    public Point measure(
            String label, int messages, int inflight, double ratePerSecond, int textChars)
            throws InterruptedException {
        long lastWarmUpSeq = warmUp();
        Window window = new Window(lastWarmUpSeq + 1, messages, receivers.size());
        List<SeqLedger> ledgers = new ArrayList<>();
        for (Receiver r : receivers) {
            ledgers.add(r.begin(window));
        }
        List<ServerProbe> probes = usedServerUrls.stream().map(cluster::probe).toList();
        List<ServerProbe> redis = cluster.redisProbe().stream().toList();
        OptionalLong redisCpuBefore = sumCpu(redis);
        OptionalLong serverCpuBefore = sumCpu(probes);
        Map<String, Long> threadsBefore = cpuByThread(probes);
        long ownCpuBefore = ownCpuNanos();
        long errorsBefore = publishers.stream().mapToLong(Publisher::errors).sum();
        AtomicReference<Throwable> publishFailure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < publishers.size(); i++) {
            Publisher p = publishers.get(i);
            int share = messages / publishers.size() + (i < messages % publishers.size() ? 1 : 0);
            double rate = ratePerSecond / publishers.size();
            Thread t =
                    new Thread(
                            () -> {
                                try {
                                    p.publish(sendPrefix, share, inflight, rate, textChars);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                } catch (RuntimeException e) {
                                    publishFailure.compareAndSet(null, e);
                                }
                            },
                            "bench-publisher-" + i);
            threads.add(t);
            t.start();
        }
        long lastCount = -1;
        long lastProgress = System.nanoTime();
        while (!window.receiversDone.await(1, TimeUnit.SECONDS)) {
            long count = window.delivered.sum();
            if (count != lastCount) {
                lastCount = count;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > idleTimeoutNanos) {
                Console.err("no delivery for the idle timeout: ending the window incomplete");
                break;
            }
        }
        for (Thread t : threads) {
            t.join(); // publish() gives up by itself when acks stop coming
        }
        long publishEnd = System.nanoTime();
        long ownCpu = ownCpuNanos() - ownCpuBefore;
        OptionalLong serverCpuAfter = sumCpu(probes);
        Map<String, Double> threadCpu = topThreadCpu(threadsBefore, cpuByThread(probes));
        OptionalLong redisCpuAfter = sumCpu(redis);
        for (Receiver r : receivers) {
            r.end();
        }
        // With receivers the window ends at the last delivery, without (archive load) at the last
        // ack.
        long end =
                ledgers.isEmpty()
                        ? publishEnd
                        : ledgers.stream()
                                .mapToLong(SeqLedger::lastArrivalNanos)
                                .max()
                                .orElse(start);
        end = Math.max(end, start + 1);
        double seconds = (end - start) / NANOS_PER_SECOND;
        long delivered = ledgers.stream().mapToLong(SeqLedger::distinct).sum();
        long expected = (long) messages * receivers.size();
        double avgCompletion =
                ledgers.stream()
                                .filter(SeqLedger::complete)
                                .mapToLong(l -> l.lastArrivalNanos() - start)
                                .average()
                                .orElse(Double.NaN)
                        / NANOS_PER_SECOND;
        Double serverCpuSeconds = null;
        Double serverCpuPerDelivery = null;
        if (serverCpuBefore.isPresent() && serverCpuAfter.isPresent()) {
            long cpu = serverCpuAfter.getAsLong() - serverCpuBefore.getAsLong();
            serverCpuSeconds = cpu / NANOS_PER_SECOND;
            serverCpuPerDelivery = delivered == 0 ? null : round(cpu / NANOS_PER_MICRO / delivered);
        }
        long errors = publishers.stream().mapToLong(Publisher::errors).sum() - errorsBefore;
        String firstError =
                publishFailure.get() != null
                        ? publishFailure.get().getMessage()
                        : publishers.stream()
                                .map(Publisher::firstError)
                                .filter(e -> e != null)
                                .findFirst()
                                .orElse(null);
        int closed = (int) clients.stream().filter(c -> c.closeReason() != null).count();
        return new Point(
                label,
                receivers.size(),
                usedServerUrls.size(),
                publishers.size(),
                messages,
                textChars,
                inflight,
                ratePerSecond,
                round(seconds),
                round(messages / seconds),
                round(delivered / seconds),
                expected,
                delivered,
                ledgers.stream().mapToLong(SeqLedger::lost).sum(),
                ledgers.stream().mapToLong(SeqLedger::duplicates).sum(),
                ledgers.stream().mapToLong(SeqLedger::outOfOrder).sum(),
                ledgers.stream().mapToLong(SeqLedger::gaps).sum(),
                errors,
                firstError,
                closed,
                round(avgCompletion),
                Latency.ofMicros(window.latencyMicros.getIntervalHistogram()),
                serverCpuSeconds == null ? null : round(serverCpuSeconds),
                serverCpuPerDelivery,
                redis.isEmpty() || redisCpuBefore.isEmpty() || redisCpuAfter.isEmpty()
                        ? null
                        : round(
                                (redisCpuAfter.getAsLong() - redisCpuBefore.getAsLong())
                                        / NANOS_PER_SECOND),
                threadCpu,
                round(ownCpu / NANOS_PER_SECOND),
                delivered == 0 ? 0 : round(ownCpu / NANOS_PER_MICRO / delivered));
    }

    /** A closed connection's reason, for the report; null when all are open. */
    public String firstCloseReason() {
        return clients.stream()
                .map(StompClient::closeReason)
                .filter(r -> r != null)
                .findFirst()
                .orElse(null);
    }

    public Set<String> serverUrls() {
        return usedServerUrls;
    }

    static Map<String, Long> cpuByThread(List<ServerProbe> probes) {
        Map<String, Long> total = new HashMap<>();
        for (ServerProbe p : probes) {
            p.cpuNanosByThreadGroup().forEach((k, v) -> total.merge(k, v, Long::sum));
        }
        return total;
    }

    /** The thread groups that used the most CPU during the window, in seconds, largest first. */
    static Map<String, Double> topThreadCpu(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Double> top = new LinkedHashMap<>();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(TOP_THREAD_GROUPS)
                .forEach(e -> top.put(e.getKey(), round(e.getValue() / NANOS_PER_SECOND)));
        return top;
    }

    static OptionalLong sumCpu(List<ServerProbe> probes) {
        long total = 0;
        for (ServerProbe p : probes) {
            OptionalLong cpu = p.cpuNanos();
            if (cpu.isEmpty()) {
                return OptionalLong.empty();
            }
            total += cpu.getAsLong();
        }
        return OptionalLong.of(total);
    }

    static long ownCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static double round(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? 0 : Math.round(v * 1000) / 1000.0;
    }

    @Override
    public void close() {
        cluster.closeAll(clients);
    }
}
