package io.chatroom.launcher;

import io.chatroom.stores.EmbeddedPostgresMain;
import io.chatroom.stores.PortProbe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code java -jar launcher.jar up|status|down}: a whole local Chatroom cluster with one command
 * (see README.md). Plain Java on purpose: it must start before anything else exists.
 */
public final class Launcher {
    private static final Duration DOWN_WAIT = Duration.ofSeconds(60);
    private static final int FAILED = 1;
    private static final int USAGE = 2;

    private Launcher() {}

    public static void main(String[] args) throws IOException {
        String command = args.length == 0 ? "up" : args[0];
        if (EmbeddedPostgresMain.COMMAND.equals(command)) {
            quietLibraries("info");
            EmbeddedPostgresMain.run(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        quietLibraries("warn");
        Console console = new Console();
        Path root = Path.of("").toAbsolutePath();
        try {
            int code =
                    switch (command) {
                        case "up" -> up(Arrays.copyOfRange(args, 1, args.length), root, console);
                        case "status" -> status(root, console);
                        case "down" -> down(root, console);
                        default -> {
                            console.error(
                                    "Usage: ./chatroom [up [--redis-cluster]|status|down|build]");
                            yield USAGE;
                        }
                    };
            if (code != 0) {
                System.exit(code);
            }
        } catch (LauncherException e) {
            console.error("chatroom: " + e.getMessage());
            System.exit(FAILED);
        }
    }

    private static int up(String[] options, Path root, Console console) {
        boolean redisCluster = false;
        for (String option : options) {
            if (option.equals("--redis-cluster")) {
                redisCluster = true;
            } else {
                console.error("Usage: ./chatroom up [--redis-cluster]");
                return USAGE;
            }
        }
        return new LocalCluster(root, System.getenv(), PortProbe.tcp(), console, redisCluster).up();
    }

    /** Library logs go to the child's log file (embedded PostgreSQL) or stay quiet (launcher). */
    private static void quietLibraries(String level) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.out");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    }

    private static int status(Path root, Console console) {
        Path runDir = root.resolve(".run");
        Optional<ProcessHandle> launcher = new PidFile(runDir).runningLauncher();
        console.line(
                launcher.map(p -> "Launcher running, pid " + p.pid())
                        .orElse("No launcher running from " + root));
        List<AppSpec> all = new ArrayList<>(AppSpec.firstWave(root, runDir));
        all.addAll(AppSpec.secondWave(root));
        HealthProbe probe = new HealthProbe();
        List<StatusTable.Row> rows = new ArrayList<>();
        for (AppSpec app : all) {
            Health health = probe.check(app.port());
            rows.add(
                    new StatusTable.Row(
                            app.name(),
                            app.port(),
                            pidListeningAs(app),
                            health == Health.STARTING ? "NO ANSWER" : health.name(),
                            ".run/logs/" + app.name() + ".log"));
        }
        console.table(StatusTable.render(rows));
        return 0;
    }

    /** The pid of a JVM running this app's jar on this app's port, if any. */
    private static String pidListeningAs(AppSpec app) {
        String jar = app.jar().getFileName().toString();
        String port = "--server.port=" + app.port();
        return ProcessHandle.allProcesses()
                .filter(
                        p ->
                                p.info()
                                        .commandLine()
                                        .filter(line -> line.contains(jar) && line.contains(port))
                                        .isPresent())
                .findFirst()
                .map(p -> Long.toString(p.pid()))
                .orElse("-");
    }

    private static int down(Path root, Console console) {
        Optional<ProcessHandle> launcher = new PidFile(root.resolve(".run")).runningLauncher();
        if (launcher.isEmpty()) {
            console.line("No launcher running from " + root + " (nothing to stop).");
            return 0;
        }
        ProcessHandle process = launcher.get();
        console.line("Stopping the launcher (pid " + process.pid() + ") and its cluster...");
        process.destroy();
        try {
            process.onExit().get(DOWN_WAIT.toSeconds(), TimeUnit.SECONDS);
            console.line("Stopped.");
            return 0;
        } catch (TimeoutException | ExecutionException e) {
            console.error("The launcher did not stop within " + DOWN_WAIT.toSeconds() + " s.");
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FAILED;
        }
    }
}
