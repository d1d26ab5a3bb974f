package io.chatroom.systemtests;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One app of the cluster as a real OS process ({@code java -jar <fat jar>}) on a fixed port, with
 * its output in {@code target/system-logs/<name>.log}. It can be started again on the same port
 * with the same arguments after any fault.
 */
final class AppProcess {
    private static final Logger log = LoggerFactory.getLogger(AppProcess.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(600);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final int LOG_TAIL_LINES = 60;
    private static final int START_ATTEMPTS = 3;
    private static final List<String> JVM_OPTIONS =
            List.of(
                    "-Xmx256m",
                    "-XX:TieredStopAtLevel=1",
                    "-Xss512k",
                    "-XX:+UseSerialGC",
                    "-XX:-UsePerfData");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();

    private final String name;
    private final Path jar;
    private final int port;
    private final List<String> args;
    private final Path logFile;
    private final String host;
    private final List<String> launcher;
    private volatile Map<String, String> environment = Map.of();
    private volatile Process process;
    private volatile long startedNanos;

    AppProcess(String name, Path jar, int port, List<String> args) {
        this(name, jar, port, args, "127.0.0.1", List.of());
    }

    /**
     * An app reached at {@code host} and started through {@code launcher} (a command prefix such as
     * {@code ip netns exec <ns>}, which must exec the JVM in its own place so that signals reach
     * it).
     */
    AppProcess(
            String name,
            Path jar,
            int port,
            List<String> args,
            String host,
            List<String> launcher) {
        this.name = name;
        this.jar = jar;
        this.port = port;
        this.args = List.copyOf(args);
        this.logFile = SystemTestPaths.logDir().resolve(name + ".log");
        this.host = host;
        this.launcher = List.copyOf(launcher);
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    String baseUrl() {
        return "http://" + host + ":" + port;
    }

    long pid() {
        return process.pid();
    }

    /**
     * Extra environment variables for this app's processes from its next start on (such as
     * libfaketime's, to skew one server's clock).
     */
    AppProcess environment(Map<String, String> extra) {
        environment = Map.copyOf(extra);
        return this;
    }

    /** When this process (the latest one of this app) was started, as System.nanoTime(). */
    long startedNanos() {
        return startedNanos;
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Starts the process without waiting for it to be ready. */
    synchronized AppProcess start() {
        if (isAlive()) {
            return this;
        }
        List<String> command = new ArrayList<>(launcher);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-jar");
        command.add(jar.toString());
        command.add("--server.port=" + port);
        command.addAll(args);
        try {
            Files.createDirectories(logFile.getParent());
            Files.writeString(
                    logFile,
                    "==== starting " + name + " on port " + port + System.lineSeparator(),
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder builder =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                            .directory(new File(SystemTestPaths.workDir().toString()));
            builder.environment().putAll(environment);
            process = builder.start();
            startedNanos = System.nanoTime();
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + name, e);
        }
        log.info("Started {} (pid {}) on port {}", name, process.pid(), port);
        return this;
    }

    /**
     * Waits until {@code /actuator/health/readiness} answers UP; fails fast if the process died.
     */
    AppProcess awaitReady() {
        awaitAllReady(List.of(this));
        return this;
    }

    /**
     * Waits for several processes started together. A process that dies while starting is restarted
     * (as an orchestrator would) up to {@link #START_ATTEMPTS} times: on a loaded 2-core machine a
     * start-up timeout is not what these tests are about.
     */
    static void awaitAllReady(List<AppProcess> apps) {
        List<AppProcess> waiting = new ArrayList<>(apps);
        Map<AppProcess, Integer> attempts = new HashMap<>();
        List<String> names = apps.stream().map(AppProcess::name).toList();
        await("ready: " + names)
                .atMost(READY_TIMEOUT)
                .pollInterval(Duration.ofMillis(250))
                .until(
                        () -> {
                            for (AppProcess app : waiting) {
                                if (!app.process.isAlive()) {
                                    int attempt = attempts.merge(app, 1, Integer::sum);
                                    if (attempt >= START_ATTEMPTS) {
                                        app.failIfDead();
                                    }
                                    log.warn(
                                            "{} died while starting (attempt {}), restarting:\n{}",
                                            app.name,
                                            attempt,
                                            app.logTail());
                                    app.start();
                                }
                            }
                            waiting.removeIf(AppProcess::isReady);
                            return waiting.isEmpty();
                        });
        log.info("Ready: {}", names);
    }

    private void failIfDead() {
        if (!process.isAlive()) {
            throw new IllegalStateException(
                    name + " exited with " + process.exitValue() + ":\n" + logTail());
        }
    }

    boolean isReady() {
        try {
            HttpResponse<String> response =
                    HTTP.send(
                            HttpRequest.newBuilder(
                                            URI.create(baseUrl() + "/actuator/health/readiness"))
                                    .timeout(PROBE_TIMEOUT)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"UP\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code kill -9}: no shutdown hook, no deregistration, sockets reset by the kernel. */
    void kill() {
        process.destroyForcibly();
        waitForExit();
        log.info("Killed {} with SIGKILL", name);
    }

    /** SIGTERM: a graceful shutdown. */
    void terminate() {
        process.destroy();
        waitForExit();
        log.info("Stopped {} with SIGTERM", name);
    }

    /** SIGSTOP: the process freezes with its sockets open. */
    void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    void resume() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill =
                    new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                            .inheritIO()
                            .start();
            if (!kill.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " failed for " + name);
            }
        } catch (IOException e) {
            throw new IllegalStateException("kill -" + signal + " failed for " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
        log.info("Sent SIG{} to {}", signal, name);
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the process at the end of a run, whatever state it is in (also SIGSTOPped). */
    void stopQuietly() {
        if (process != null && process.isAlive()) {
            signal("CONT");
            process.destroy();
            waitForExit();
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join(
                    System.lineSeparator(),
                    lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
