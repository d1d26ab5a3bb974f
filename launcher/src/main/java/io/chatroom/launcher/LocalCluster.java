package io.chatroom.launcher;

import io.chatroom.stores.EmbeddedMode;
import io.chatroom.stores.PortProbe;
import io.chatroom.stores.PostgresPlan;
import io.chatroom.stores.RedisPlan;
import io.chatroom.stores.StoreSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the whole local cluster: finds or starts Redis and PostgreSQL, starts the coordinator and
 * archiver (they migrate the database), then the chat servers, shows every app's health as it
 * changes, and on SIGINT/SIGTERM stops the apps (chat servers first), then the stores it started.
 */
final class LocalCluster {
    private static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final Duration FIRST_WAVE_WAIT = Duration.ofSeconds(120);
    private static final Duration SLOW_START_HINT = Duration.ofSeconds(180);
    private static final int LOG_TAIL_LINES = 20;
    private static final String BROWSER_URL = "http://localhost:" + AppSpec.COORDINATOR_PORT;

    private final boolean redisCluster;
    private final Path root;
    private final Path runDir;
    private final Map<String, String> env;
    private final PortProbe probe;
    private final Console console;
    private final HealthProbe healthProbe = new HealthProbe();
    private final PidFile pidFile;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final List<ChildProcess> stores = new ArrayList<>();
    private final Map<AppSpec, ChildProcess> apps = new LinkedHashMap<>();
    private final Map<AppSpec, Health> health = new LinkedHashMap<>();

    LocalCluster(Path root, Map<String, String> env, PortProbe probe, Console console) {
        this(root, env, probe, console, false);
    }

    /** With {@code redisCluster}, Redis is a local Redis Cluster ({@link LocalRedisCluster}). */
    LocalCluster(
            Path root,
            Map<String, String> env,
            PortProbe probe,
            Console console,
            boolean redisCluster) {
        this.redisCluster = redisCluster;
        this.root = root;
        this.runDir = root.resolve(".run");
        this.env = env;
        this.probe = probe;
        this.console = console;
        this.pidFile = new PidFile(runDir);
    }

    int up() {
        List<AppSpec> firstWave = AppSpec.firstWave(root, runDir);
        List<AppSpec> secondWave = AppSpec.secondWave(root);
        List<AppSpec> all = new ArrayList<>(firstWave);
        all.addAll(secondWave);
        preflight(all);
        pidFile.claim();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "chatroom-stop"));
        Map<String, Path> jars = snapshotJars(all);
        Map<String, String> storeEnv = startStores();
        all.forEach(app -> health.put(app, Health.WAITING));
        firstWave.forEach(app -> startApp(app, jars, storeEnv));
        return watch(firstWave, secondWave, jars, storeEnv);
    }

    /**
     * Copies each app jar to {@code .run/jars/}: a JVM reads classes from its jar lazily, so a
     * rebuild ({@code ./chatroom build}) while the cluster runs would otherwise crash the apps.
     */
    private Map<String, Path> snapshotJars(List<AppSpec> all) {
        Map<String, Path> copies = new HashMap<>();
        try {
            Path dir = Files.createDirectories(runDir.resolve("jars"));
            for (AppSpec app : all) {
                String name = app.jar().getFileName().toString();
                if (!copies.containsKey(name)) {
                    Path copy = dir.resolve(name);
                    Files.copy(app.jar(), copy, StandardCopyOption.REPLACE_EXISTING);
                    copies.put(name, copy);
                }
            }
        } catch (IOException e) {
            throw new LauncherException("Could not copy the app jars to .run/jars: " + e, e);
        }
        return copies;
    }

    private void preflight(List<AppSpec> all) {
        pidFile.runningLauncher()
                .ifPresent(
                        running -> {
                            throw new LauncherException(
                                    "A local cluster is already running (launcher pid "
                                            + running.pid()
                                            + "). Stop it with ./chatroom down.");
                        });
        for (AppSpec app : all) {
            if (!Files.isRegularFile(app.jar())) {
                throw new LauncherException(
                        "Missing " + root.relativize(app.jar()) + ": run ./chatroom build");
            }
            if (probe.answers(StoreResolver.LOCALHOST, app.port())) {
                throw new LauncherException(
                        "Port "
                                + app.port()
                                + " ("
                                + app.name()
                                + ") is in use. Is a cluster already running? ./chatroom status"
                                + " tells; stop whatever listens there first.");
            }
        }
    }

    /** Resolves the stores, starting embedded ones if needed; returns the apps' environment. */
    private Map<String, String> startStores() {
        StoreResolver resolver = new StoreResolver(env, probe);
        EmbeddedStores embedded = new EmbeddedStores(runDir, JavaCommand.current());

        String clusterNodes = null;
        if (redisCluster) {
            LocalRedisCluster.Started cluster =
                    LocalRedisCluster.start(runDir, LocalRedisCluster.DEFAULT_FIRST_PORT);
            cluster.processes().forEach(this::register);
            clusterNodes = cluster.nodes();
            console.line(
                    String.format(
                            "  %-11s %-9s %s",
                            "Redis",
                            "cluster",
                            LocalRedisCluster.masters()
                                    + " masters + replicas on "
                                    + clusterNodes
                                    + ", data in .run/redis-cluster, logs .run/logs/redis-*.log"));
        }
        RedisPlan redisPlan = redisCluster ? null : resolver.redis();
        String redisUrl = redisCluster ? null : redisPlan.url();
        String redisWhere = redisUrl;
        if (!redisCluster && redisPlan.source() == StoreSource.EMBEDDED) {
            EmbeddedStores.Started redis = embedded.startRedis(redisPlan.embeddedPort());
            register(redis.process());
            redisUrl = "redis://" + StoreResolver.LOCALHOST + ":" + redis.port();
            redisWhere =
                    redisUrl + ", data in .run/redis (append-only file), log .run/logs/redis.log";
        }
        if (!redisCluster) {
            console.line(
                    String.format(
                            "  %-11s %-9s %s", "Redis", redisPlan.source().label(), redisWhere));
        }

        PostgresPlan pg = resolver.postgres();
        if (pg.source() == StoreSource.LOCAL) {
            try {
                if (PostgresAdmin.ensureDatabase(
                        StoreResolver.LOCALHOST,
                        StoreResolver.DEFAULT_POSTGRES_PORT,
                        pg.username(),
                        pg.password(),
                        StoreResolver.DATABASE)) {
                    console.line("  created database " + StoreResolver.DATABASE);
                }
            } catch (SQLException e) {
                if (resolver.mode() == EmbeddedMode.NEVER) {
                    throw new LauncherException(
                            "PostgreSQL on 127.0.0.1:5432 refused user postgres ("
                                    + e.getMessage()
                                    + "). Set DATABASE_URL and SPRING_DATASOURCE_USERNAME/PASSWORD.",
                            e);
                }
                console.line(
                        "  PostgreSQL on 127.0.0.1:5432 refused user postgres ("
                                + e.getMessage()
                                + "); using an embedded one instead (set DATABASE_URL to choose).");
                pg = resolver.embeddedPostgres();
            }
        }
        String pgWhere = pg.jdbcUrl() + " as " + pg.username();
        if (pg.source() == StoreSource.EMBEDDED) {
            EmbeddedStores.Started postgres = embedded.startPostgres(pg.embeddedPort());
            register(postgres.process());
            pg =
                    PostgresPlan.at(
                            StoreSource.EMBEDDED,
                            StoreResolver.jdbcUrl(
                                    StoreResolver.LOCALHOST,
                                    postgres.port(),
                                    StoreResolver.DATABASE),
                            pg.username(),
                            pg.password());
            pgWhere =
                    pg.jdbcUrl()
                            + " as "
                            + pg.username()
                            + ", data in .run/postgres, log .run/logs/postgres.log";
        }
        console.line(String.format("  %-11s %-9s %s", "PostgreSQL", pg.source().label(), pgWhere));
        // Figures depend on the JDK: say which one runs the apps.
        console.line(
                String.format(
                        "  %-11s %-9s %s",
                        "Java",
                        Runtime.version().feature(),
                        System.getProperty("java.vm.name")
                                + " "
                                + Runtime.version()
                                + " in "
                                + System.getProperty("java.home")));

        // Environment rather than arguments: a password must not show up in `ps`.
        Map<String, String> storeEnv = new HashMap<>();
        if (clusterNodes != null) {
            // Wins over any Redis URL: every app runs on the cluster.
            storeEnv.put("SPRING_DATA_REDIS_CLUSTER_NODES", clusterNodes);
        } else {
            storeEnv.put("SPRING_DATA_REDIS_URL", redisUrl);
        }
        storeEnv.put("SPRING_DATASOURCE_URL", pg.jdbcUrl());
        storeEnv.put("SPRING_DATASOURCE_USERNAME", pg.username());
        storeEnv.put("SPRING_DATASOURCE_PASSWORD", pg.password());
        return storeEnv;
    }

    private synchronized void register(ChildProcess store) {
        stores.add(store);
    }

    private void startApp(AppSpec app, Map<String, Path> jars, Map<String, String> storeEnv) {
        List<String> command = new ArrayList<>();
        command.add(JavaCommand.current().java().toString());
        String javaOpts = env.get("CHATROOM_JAVA_OPTS");
        if (javaOpts != null && !javaOpts.isBlank()) {
            command.addAll(List.of(javaOpts.trim().split("\\s+")));
        }
        command.add("-jar");
        command.add(jars.get(app.jar().getFileName().toString()).toString());
        command.addAll(app.arguments());
        ChildProcess process =
                ChildProcess.start(
                        app.name(),
                        command,
                        storeEnv,
                        runDir.resolve("logs/" + app.name() + ".log"));
        synchronized (this) {
            apps.put(app, process);
            health.put(app, Health.STARTING);
        }
    }

    /** Returns the launcher's exit code: 0 when stopped by a signal, 1 when every app died. */
    private int watch(
            List<AppSpec> firstWave,
            List<AppSpec> secondWave,
            Map<String, Path> jars,
            Map<String, String> storeEnv) {
        long started = System.nanoTime();
        boolean secondWaveStarted = false;
        boolean announced = false;
        boolean hinted = false;
        List<String> lastTable = List.of();
        while (!stopping.get()) {
            List<AppSpec> exitedNow = poll();
            if (stopping.get()) {
                return 0;
            }
            for (AppSpec app : exitedNow) {
                reportExit(app);
                lastTable = List.of();
            }
            if (!secondWaveStarted
                    && (firstWave.stream().allMatch(app -> health.get(app) != Health.STARTING)
                            || elapsed(started).compareTo(FIRST_WAVE_WAIT) > 0)) {
                secondWave.forEach(app -> startApp(app, jars, storeEnv));
                secondWaveStarted = true;
            }
            List<String> table = table();
            if (!table.equals(lastTable)) {
                console.table(table);
                lastTable = table;
            }
            if (!announced && health.values().stream().allMatch(h -> h == Health.UP)) {
                announced = true;
                console.line("");
                console.line(
                        "  Open "
                                + BROWSER_URL
                                + "   (dashboard: "
                                + BROWSER_URL
                                + "/dashboard.html)");
                console.line(
                        String.format(
                                "  Cluster healthy %.1f s after launch. Ctrl-C stops everything.",
                                sinceJvmStart().toMillis() / 1000.0));
                lastTable = List.of();
            }
            if (!announced && !hinted && elapsed(started).compareTo(SLOW_START_HINT) > 0) {
                hinted = true;
                console.line(
                        "  Not all apps are UP after "
                                + SLOW_START_HINT.toSeconds()
                                + " s: see their logs in .run/logs/. Ctrl-C stops everything.");
                lastTable = List.of();
            }
            if (!apps.isEmpty()
                    && apps.values().stream().noneMatch(ChildProcess::alive)
                    && secondWaveStarted) {
                console.error("  Every app has exited; stopping.");
                stop();
                return 1;
            }
            pause();
        }
        return 0;
    }

    /** Updates every started app's health; returns the apps that exited since the last poll. */
    private List<AppSpec> poll() {
        List<AppSpec> exitedNow = new ArrayList<>();
        Map<AppSpec, ChildProcess> snapshot;
        synchronized (this) {
            snapshot = new LinkedHashMap<>(apps);
        }
        for (Map.Entry<AppSpec, ChildProcess> entry : snapshot.entrySet()) {
            AppSpec app = entry.getKey();
            Health before = health.get(app);
            if (before == Health.EXITED) {
                continue;
            }
            Health now = entry.getValue().alive() ? healthProbe.check(app.port()) : Health.EXITED;
            health.put(app, now);
            if (now == Health.EXITED) {
                exitedNow.add(app);
            }
        }
        return exitedNow;
    }

    private void reportExit(AppSpec app) {
        ChildProcess process = apps.get(app);
        console.error(
                "  "
                        + app.name()
                        + " exited with code "
                        + process.exitCode().orElse(-1)
                        + ". Last lines of "
                        + root.relativize(process.log())
                        + ":");
        process.tail(LOG_TAIL_LINES).forEach(line -> console.error("    | " + line));
    }

    private List<String> table() {
        List<StatusTable.Row> rows = new ArrayList<>();
        for (Map.Entry<AppSpec, Health> entry : health.entrySet()) {
            AppSpec app = entry.getKey();
            ChildProcess process = apps.get(app);
            String state = entry.getValue().name();
            if (entry.getValue() == Health.EXITED && process != null) {
                state += "(" + process.exitCode().orElse(-1) + ")";
            }
            rows.add(
                    new StatusTable.Row(
                            app.name(),
                            app.port(),
                            process == null ? "-" : Long.toString(process.pid()),
                            state,
                            ".run/logs/" + app.name() + ".log"));
        }
        return StatusTable.render(rows);
    }

    /** Stops the apps (chat servers first, so they deregister), then the stores. Idempotent. */
    void stop() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        List<ChildProcess> chatServers = new ArrayList<>();
        List<ChildProcess> others = new ArrayList<>();
        synchronized (this) {
            apps.forEach(
                    (app, process) ->
                            (app.name().startsWith("chat-app") ? chatServers : others)
                                    .add(process));
        }
        if (!chatServers.isEmpty() || !others.isEmpty() || !stores.isEmpty()) {
            console.line("  Stopping (up to " + STOP_GRACE.toSeconds() + " s per step)...");
        }
        stopAll(chatServers);
        stopAll(others);
        synchronized (this) {
            stopAll(stores);
        }
        pidFile.release();
        console.line("  Stopped.");
    }

    private static void stopAll(List<ChildProcess> processes) {
        processes.forEach(ChildProcess::requestStop);
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        processes.forEach(process -> process.awaitStop(deadline));
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static Duration sinceJvmStart() {
        return Duration.ofMillis(
                System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime());
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
