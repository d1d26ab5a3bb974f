package io.chatroom.systemtests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Linux network namespace joined to the host by two veth pairs, so that a fault can hit one path
 * of a process and not the other: the <em>service link</em> (clients, coordinator, health probes)
 * and the <em>store link</em> (Redis and PostgreSQL, reached through {@link TcpRelay}s on its host
 * end). Addresses are link-local /30s of one 169.254.x.0/24 picked per run that the host does not
 * use; nothing leaves the machine. Names carry the test JVM's pid, so a later run removes what a
 * killed run left behind ({@link #removeStale()}).
 *
 * <p>Faults: {@link #cutStore()} sets the host end of the store link down (the app's packets to its
 * stores vanish, no reset); {@link #dropStorePackets(double)} drops a random share of the packets
 * arriving at either end of the store link (a classic-BPF filter on the clsact ingress hook
 * redirecting to a veth that is down, i.e. dropped), so TCP really retransmits. This machine's
 * kernel has no {@code sch_netem}; the delay half of a degraded link is in the relays.
 */
final class NetNamespace implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetNamespace.class);
    private static final String NAME_PREFIX = "crnf";
    private static final Pattern STALE_NAMESPACE = Pattern.compile("^crnf(\\d+)-[a-z]+$");
    private static final Pattern STALE_DEVICE = Pattern.compile("^nf(\\d+)[a-z][stk]$");
    private static final Pattern FILTER_PACKETS = Pattern.compile("Sent \\d+ bytes (\\d+) pkt");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
    private static final long PID = ProcessHandle.current().pid();
    private static final String INSIDE_SERVICE = "svc0";
    private static final String INSIDE_STORE = "store0";
    private static final String INSIDE_SINK = "sink0";
    private static final int SUBNET_ATTEMPTS = 50;
    private static final long RANDOM_RANGE = 1L << 32;
    // Classic BPF "ld rand": SKF_AD_OFF (-0x1000) + SKF_AD_RANDOM (56), as an unsigned 32-bit k.
    private static final long LOAD_RANDOM = 0xFFFFF038L;
    private static volatile Probe probe;
    private static volatile String subnet;

    /** Why namespaces, or packet loss on a link, cannot be used here; null when they can. */
    record Probe(String namespaces, String packetLoss) {}

    /** One veth pair: its host end and its end inside the namespace, with their addresses. */
    record Link(String hostDevice, String hostAddress, String insideDevice, String insideAddress) {}

    private final String name;
    private final Link service;
    private final Link store;
    private final String sinkDevice;
    private final Thread cleanupOnExit = new Thread(this::removeQuietly, "netns-cleanup");
    private boolean lossOn;
    private volatile boolean removed;

    private NetNamespace(String tag, int index) {
        String base = subnet();
        int block = index * 8;
        this.name = NAME_PREFIX + PID + "-" + tag;
        this.service =
                new Link(device(tag, 's'), base + (block + 1), INSIDE_SERVICE, base + (block + 2));
        this.store =
                new Link(device(tag, 't'), base + (block + 5), INSIDE_STORE, base + (block + 6));
        this.sinkDevice = device(tag, 'k');
    }

    private static String device(String tag, char kind) {
        return "nf" + PID + tag + kind; // at most 2 + 7 + 1 + 1 characters (IFNAMSIZ is 16)
    }

    /**
     * Creates the namespace {@code crnf<pid>-<tag>} with its two links; {@code index} (0..31) picks
     * its addresses within the run's /24.
     */
    static NetNamespace create(String tag, int index) {
        if (!tag.matches("[a-z]") || index < 0 || index > 31) {
            throw new IllegalArgumentException("tag a-z and index 0..31, not " + tag + index);
        }
        NetNamespace ns = new NetNamespace(tag, index);
        Runtime.getRuntime().addShutdownHook(ns.cleanupOnExit);
        try {
            ns.build();
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        log.info(
                "Network namespace {}: service {} <-> {}, store {} <-> {}",
                ns.name,
                ns.service.hostAddress(),
                ns.service.insideAddress(),
                ns.store.hostAddress(),
                ns.store.insideAddress());
        return ns;
    }

    private void build() {
        run("ip netns add " + name);
        for (Link link : List.of(service, store)) {
            run(
                    "ip link add "
                            + link.hostDevice()
                            + " type veth peer name "
                            + link.insideDevice()
                            + " netns "
                            + name);
            run("ip addr add " + link.hostAddress() + "/30 dev " + link.hostDevice());
            run("ip link set " + link.hostDevice() + " up");
            inside("ip addr add " + link.insideAddress() + "/30 dev " + link.insideDevice());
            inside("ip link set " + link.insideDevice() + " up");
        }
        // Both ends stay down: a packet redirected to either is dropped.
        run("ip link add " + sinkDevice + " type veth peer name " + INSIDE_SINK + " netns " + name);
        inside("ip link set lo up");
    }

    String name() {
        return name;
    }

    Link service() {
        return service;
    }

    Link store() {
        return store;
    }

    /** The command prefix that runs a program inside the namespace (exec'd in place). */
    List<String> launcher() {
        return List.of("ip", "netns", "exec", name);
    }

    /** Link down on the store link: the app's Redis and PostgreSQL packets vanish. */
    void cutStore() {
        run("ip link set " + store.hostDevice() + " down");
        log.info("{}: store link DOWN", name);
    }

    void restoreStore() {
        run("ip link set " + store.hostDevice() + " up");
        log.info("{}: store link up", name);
    }

    /** Drops each packet arriving at either end of the store link with this probability. */
    synchronized void dropStorePackets(double fraction) {
        clearStoreLoss();
        String program = randomDropProgram(fraction);
        run("tc qdisc add dev " + store.hostDevice() + " clsact");
        run(dropFilter(store.hostDevice(), program, sinkDevice));
        inside("tc qdisc add dev " + store.insideDevice() + " clsact");
        inside(dropFilter(store.insideDevice(), program, INSIDE_SINK));
        lossOn = true;
        log.info("{}: store link drops {}% of packets each way", name, fraction * 100);
    }

    private static List<String> dropFilter(String device, String program, String sink) {
        List<String> command =
                new ArrayList<>(words("tc filter add dev " + device + " ingress bpf bytecode"));
        command.add(program);
        command.addAll(words("action mirred egress redirect dev " + sink));
        return command;
    }

    /** Packets the loss filters dropped so far (both ends). */
    synchronized long storePacketsDropped() {
        if (!lossOn) {
            return 0;
        }
        String show = "tc -s filter show dev %s ingress";
        return filterPackets(run(String.format(Locale.ROOT, show, store.hostDevice())))
                + filterPackets(inside(String.format(Locale.ROOT, show, store.insideDevice())));
    }

    synchronized void clearStoreLoss() {
        if (lossOn) {
            runQuietly(words("tc qdisc del dev " + store.hostDevice() + " clsact"));
            List<String> inside = new ArrayList<>(launcher());
            inside.addAll(words("tc qdisc del dev " + store.insideDevice() + " clsact"));
            runQuietly(inside);
            lossOn = false;
            log.info("{}: store link loss off", name);
        }
    }

    /** TCP segments retransmitted by the processes in this namespace so far. */
    long tcpRetransmits() {
        String snmp = inside("cat /proc/net/snmp");
        List<String> tcp = snmp.lines().filter(l -> l.startsWith("Tcp:")).toList();
        if (tcp.size() < 2) {
            return -1;
        }
        List<String> names = List.of(tcp.get(0).trim().split("\\s+"));
        String[] values = tcp.get(1).trim().split("\\s+");
        int index = names.indexOf("RetransSegs");
        return index < 0 ? -1 : Long.parseLong(values[index]);
    }

    private String inside(String commandLine) {
        return inside(words(commandLine));
    }

    private String inside(List<String> command) {
        List<String> full = new ArrayList<>(launcher());
        full.addAll(command);
        return run(full);
    }

    /**
     * Deletes the links and the namespace (also run by a shutdown hook). The processes inside must
     * be stopped first.
     */
    @Override
    public void close() {
        removeQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down: the hook is this call
        }
    }

    private synchronized void removeQuietly() {
        if (removed) {
            return;
        }
        removed = true;
        // Deleting one end of a veth pair deletes both; then the namespace itself.
        for (String device : List.of(service.hostDevice(), store.hostDevice(), sinkDevice)) {
            runQuietly(words("ip link del " + device));
        }
        runQuietly(words("ip netns del " + name));
        log.info("Network namespace {} removed", name);
    }

    /**
     * Removes namespaces and host links a killed earlier run of these tests left behind (named
     * after a test JVM that no longer runs).
     */
    static void removeStale() {
        for (String line : runQuietly(List.of("ip", "netns", "list")).lines().toList()) {
            String ns = line.split("\\s+")[0];
            Matcher m = STALE_NAMESPACE.matcher(ns);
            if (m.matches() && isDead(m.group(1))) {
                log.warn("Removing network namespace {} left by an earlier run", ns);
                runQuietly(words("ip netns del " + ns));
            }
        }
        for (String line : runQuietly(List.of("ip", "-o", "link", "show")).lines().toList()) {
            String[] fields = line.split(":\\s+", 3);
            if (fields.length < 2) {
                continue;
            }
            String device = fields[1].split("@")[0];
            Matcher m = STALE_DEVICE.matcher(device);
            if (m.matches() && isDead(m.group(1))) {
                log.warn("Removing link {} left by an earlier run", device);
                runQuietly(words("ip link del " + device));
            }
        }
    }

    private static boolean isDead(String pid) {
        long value = Long.parseLong(pid);
        return value != PID && ProcessHandle.of(value).map(h -> !h.isAlive()).orElse(true);
    }

    /**
     * Finds out once whether this machine lets us create namespaces and veth pairs (root, Linux,
     * iproute2) and drop packets with a tc filter.
     */
    static synchronized Probe probe() {
        if (probe == null) {
            probe = runProbe();
            if (probe.namespaces() != null || probe.packetLoss() != null) {
                log.warn("Network fault capabilities: {}", probe);
            }
        }
        return probe;
    }

    private static Probe runProbe() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return new Probe("not Linux", "not Linux");
        }
        NetNamespace ns;
        try {
            ns = create("p", 31);
        } catch (RuntimeException e) {
            String reason = "cannot create a network namespace with veth pairs: " + e.getMessage();
            return new Probe(reason, reason);
        }
        try {
            ns.dropStorePackets(0.01);
            ns.storePacketsDropped();
            return new Probe(null, null);
        } catch (RuntimeException e) {
            return new Probe(null, "cannot drop packets with a tc bpf filter: " + e.getMessage());
        } finally {
            ns.close();
        }
    }

    /**
     * A classic BPF program for {@code cls_bpf}: load a random 32-bit number, and match (return -1,
     * so the redirect-to-a-down-device action drops the packet) when it is below the share.
     */
    static String randomDropProgram(double fraction) {
        if (fraction <= 0 || fraction >= 1) {
            throw new IllegalArgumentException("loss fraction in (0, 1): " + fraction);
        }
        long threshold = Math.round(fraction * RANDOM_RANGE);
        return String.join(
                ",",
                "4",
                "32 0 0 " + LOAD_RANDOM, // A = random
                "53 0 1 " + threshold, // A >= threshold ? next : skip one
                "6 0 0 0", // no match: the packet passes
                "6 0 0 4294967295"); // match: the action drops it
    }

    private static long filterPackets(String stats) {
        long total = 0;
        Matcher m = FILTER_PACKETS.matcher(stats);
        while (m.find()) {
            total += Long.parseLong(m.group(1));
        }
        return total;
    }

    /** The run's "169.254.x." prefix: an x that no address or route of the host uses. */
    private static synchronized String subnet() {
        if (subnet == null) {
            String used =
                    runQuietly(List.of("ip", "-4", "-o", "addr", "show"))
                            + runQuietly(List.of("ip", "-4", "route", "show", "table", "all"));
            for (int i = 0; i < SUBNET_ATTEMPTS && subnet == null; i++) {
                int x = ThreadLocalRandom.current().nextInt(1, 254);
                String candidate = "169.254." + x + ".";
                if (x != 169 && !used.contains(candidate)) {
                    subnet = candidate;
                }
            }
            if (subnet == null) {
                throw new IllegalStateException("no free 169.254.x.0/24 on this host");
            }
        }
        return subnet;
    }

    private static List<String> words(String commandLine) {
        return List.of(commandLine.trim().split(" +"));
    }

    private static String run(String commandLine) {
        return run(words(commandLine));
    }

    /** Runs a command (bounded in time); its output, or an exception naming it and its output. */
    static String run(List<String> command) {
        Result result = execute(command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(
                    String.join(" ", command)
                            + " failed ("
                            + result.exitCode()
                            + "): "
                            + result.output().trim());
        }
        return result.output();
    }

    private static String runQuietly(List<String> command) {
        Result result = execute(command);
        if (result.exitCode() != 0) {
            log.debug("{} failed: {}", command, result.output().trim());
        }
        return result.output();
    }

    private record Result(int exitCode, String output) {}

    private static Result execute(List<String> command) {
        Path output = null;
        try {
            output = Files.createTempFile("netns-", ".out");
            Process process =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(output.toFile())
                            .start();
            process.getOutputStream().close();
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "timed out after " + COMMAND_TIMEOUT);
            }
            return new Result(
                    process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        } finally {
            if (output != null) {
                output.toFile().delete();
            }
        }
    }
}
