package io.chatroom.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A process the launcher started, with stdout and stderr in one log file (truncated on start).
 * Stopping asks politely (SIGTERM), then forcibly once the grace period is over.
 */
final class ChildProcess {
    private final String name;
    private final Path log;
    private final Process process;

    private ChildProcess(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    static ChildProcess start(
            String name, List<String> command, Map<String, String> extraEnv, Path log) {
        return startIn(name, command, extraEnv, log, null);
    }

    /** Starts in {@code workingDir}, or in the launcher's own when it is null. */
    static ChildProcess startIn(
            String name,
            List<String> command,
            Map<String, String> extraEnv,
            Path log,
            Path workingDir) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder =
                    new ProcessBuilder(command)
                            .directory(workingDir == null ? null : workingDir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            builder.environment().putAll(extraEnv);
            return new ChildProcess(name, log, builder.start());
        } catch (IOException e) {
            throw new LauncherException("Could not start " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * A process started elsewhere (e.g. a Redis Cluster node) with its output going to {@code log}.
     */
    static ChildProcess adopt(String name, Path log, Process process) {
        return new ChildProcess(name, log, process);
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /** Sends SIGTERM (graceful shutdown for Spring Boot, PostgreSQL and Redis alike). */
    void requestStop() {
        process.destroy();
    }

    /** Waits until {@code deadlineNanos} (a {@link System#nanoTime()}), then kills. */
    void awaitStop(long deadlineNanos) {
        try {
            long left = Math.max(0, deadlineNanos - System.nanoTime());
            if (!process.waitFor(left, TimeUnit.NANOSECONDS)) {
                process.destroyForcibly();
                process.waitFor(FORCED_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static final Duration FORCED_STOP_WAIT = Duration.ofSeconds(5);

    /** The last lines of the log, for telling the user why something died. */
    List<String> tail(int lines) {
        return tail(log, lines);
    }

    static List<String> tail(Path file, int lines) {
        try {
            // Decoding leniently: a log cut mid-character must still be shown.
            List<String> all =
                    new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
            return all.subList(Math.max(0, all.size() - lines), all.size());
        } catch (IOException e) {
            return List.of("(no log at " + file + ")");
        }
    }
}
