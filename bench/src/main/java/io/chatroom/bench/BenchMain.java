package io.chatroom.bench;

import io.chatroom.bench.report.ChartSvg;
import io.chatroom.bench.report.Point;
import io.chatroom.bench.report.ResultFiles;
import io.chatroom.bench.report.RunResult;
import io.chatroom.bench.run.Cluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command line: {@code java -jar bench.jar <scenario> [--option value ...]}. Runs one scenario
 * against a running cluster, prints a summary, writes {@code bench/results/<scenario>-<time>.json}
 * and exits non-zero when a delivery was lost, duplicated or reordered.
 */
public final class BenchMain {
    private static final int EXIT_INCORRECT = 1;
    private static final int EXIT_USAGE = 2;
    private static final int EXIT_FAILED = 3;

    private static final String USAGE =
            """
            usage: bench <scenario> [options]
              scenarios: smoke | exp1 | exp2 | latency | rooms | connections | archive | history
                         chart <result.json>... [--out file.svg]
              common:    --coordinator http://localhost:8080  --origin <url> (default: coordinator)
                         --chat-server <httpUrl> (exp1/latency/connections: which chat-app)
                         --pids 8081=<pid>,8090=<pid> (else found with ss by port)
                         --inflight 64  --publishers 1  --text 100  --users <clients>
                         --password <p>  --user-prefix bench-  --results bench/results
                         --io-threads 2  --login-concurrency 4  --connect-concurrency 100
                         --idle-timeout 20  --warmup 2000 (discarded window per room)
                         --flow ack|delivery (what frees an in-flight slot: the ack, or the
                         message reaching the last receiver)  --redis redis://127.0.0.1:6379 (CPU probe only)
              smoke:     --clients 5 --messages 200
              exp1:      --messages 100,500,1000,5000,10000 --clients 10,50,100
              exp2:      --clients 1000 --messages 10000 --servers 1,2,3
              latency:   --clients 100 --rates 1000,5000,10000 (deliveries/s) --seconds 10
              rooms:     --rooms 200 --members 5 --messages 40 (per member) --window 4 (unacked
                         per member) --warmup 10 (per member, discarded) --servers 1 --users 100
                         --archiver http://localhost:8090 (CPU probe only)
              connections: --connections 10000 --rooms 100 --users 100 --settle 5
                         --idle-seconds 10 (server CPU measured while all sit idle)
              archive:   --archiver http://localhost:8090 --messages 100000 --pause-archiver
              history:   --archiver http://localhost:8090 --rows 1000000 --requests 2000
                         --limit 200 --db-url jdbc:postgresql://127.0.0.1:5432/chatroom
                         --db-user postgres --db-password ''
            """;

    /** Every option any scenario reads: a typo fails at once instead of running the default. */
    private static final Set<String> KNOWN_OPTIONS =
            Set.of(
                    "coordinator",
                    "origin",
                    "chat-server",
                    "pids",
                    "inflight",
                    "publishers",
                    "text",
                    "users",
                    "password",
                    "user-prefix",
                    "results",
                    "io-threads",
                    "login-concurrency",
                    "connect-concurrency",
                    "idle-timeout",
                    "clients",
                    "messages",
                    "servers",
                    "rates",
                    "seconds",
                    "paced-inflight",
                    "connections",
                    "rooms",
                    "members",
                    "window",
                    "settle",
                    "idle-seconds",
                    "histogram-lines",
                    "warmup",
                    "flow",
                    "redis",
                    "archiver",
                    "pause-archiver",
                    "rows",
                    "requests",
                    "limit",
                    "room",
                    "db-url",
                    "db-user",
                    "db-password",
                    "out");

    private BenchMain() {}

    public static void main(String[] args) {
        System.exit(run(List.of(args)));
    }

    /** Runs one command and returns the process exit code. */
    public static int run(List<String> args) {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("help")) {
            Console.out(USAGE);
            return args.isEmpty() ? EXIT_USAGE : 0;
        }
        String scenario = args.get(0);
        Options options = new Options(args.subList(1, args.size()));
        try {
            options.rejectUnknown(KNOWN_OPTIONS);
            if (scenario.equals("chart")) {
                return chart(options);
            }
            return scenario(scenario, options);
        } catch (IllegalArgumentException e) {
            Console.err(e.getMessage());
            Console.err(USAGE);
            return EXIT_USAGE;
        } catch (IOException | IllegalStateException e) {
            Console.err(scenario + " failed: " + e.getMessage());
            return EXIT_FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_FAILED;
        }
    }

    private static int scenario(String scenario, Options options)
            throws IOException, InterruptedException {
        String coordinatorUrl = options.string("coordinator", "http://localhost:8080");
        Cluster.Settings settings =
                new Cluster.Settings(
                        coordinatorUrl,
                        options.string("origin", coordinatorUrl),
                        options.string("user-prefix", "bench-"),
                        options.string("password", "bench-password-0123"),
                        options.integer("login-concurrency", 4),
                        options.integer("connect-concurrency", 100),
                        options.integer("io-threads", 2),
                        pids(options.string("pids", "")),
                        options.string("redis", "redis://127.0.0.1:6379"));
        Path resultsDir = Path.of(options.string("results", "bench/results"));
        Instant startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String runTag = Long.toString(startedAt.getEpochSecond(), Character.MAX_RADIX);
        Map<String, String> machine = new LinkedHashMap<>(ResultFiles.machine());
        Console.out("machine: " + machine);
        try (Cluster cluster = new Cluster(settings)) {
            Scenarios fanOut = new Scenarios(cluster, options, runTag);
            ArchiveScenarios archive = new ArchiveScenarios(cluster, options, runTag);
            Map<String, Object> extra = fanOut.extra();
            List<Point> points;
            switch (scenario) {
                case "smoke" -> points = fanOut.smoke();
                case "exp1" -> points = fanOut.exp1();
                case "exp2" -> points = fanOut.exp2();
                case "latency" -> points = fanOut.latency();
                case "rooms" -> points = fanOut.rooms();
                case "connections" -> points = fanOut.connections();
                case "archive" -> {
                    points = archive.archive(fanOut);
                    extra = archive.extra();
                }
                case "history" -> {
                    points = archive.history();
                    extra = archive.extra();
                }
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
            machine.put("loadAverageAtEnd", ResultFiles.loadAverage());
            RunResult result =
                    new RunResult(
                            scenario,
                            startedAt.toString(),
                            machine,
                            options.asMap(),
                            points,
                            extra);
            Path file = ResultFiles.write(resultsDir, result);
            Console.out("result: " + file);
            boolean correct = points.stream().allMatch(Point::correct);
            if (!correct) {
                Console.err("INCORRECT: a delivery was lost, duplicated, reordered or refused");
            }
            return correct ? 0 : EXIT_INCORRECT;
        }
    }

    private static int chart(Options options) throws IOException {
        String out = options.string("out", null);
        for (String input : options.positional()) {
            RunResult result = ResultFiles.read(Path.of(input));
            Path target =
                    out != null
                            ? Path.of(out)
                            : Path.of(input.replaceFirst("\\.json$", "") + ".svg");
            Files.writeString(target, ChartSvg.render(result));
            Console.out("chart: " + target);
        }
        return 0;
    }

    static Map<Integer, Long> pids(String spec) {
        Map<Integer, Long> pids = new HashMap<>();
        for (String part : spec.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] kv = part.split("=");
            pids.put(Integer.parseInt(kv[0].trim()), Long.parseLong(kv[1].trim()));
        }
        return pids;
    }
}
