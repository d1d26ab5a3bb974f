package io.chatroom.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code .run/launcher.pid}: lets {@code ./chatroom down} find the running launcher and keeps a
 * second {@code up} from starting a cluster on top of it.
 */
final class PidFile {
    private final Path file;

    PidFile(Path runDir) {
        this.file = runDir.resolve("launcher.pid");
    }

    /** The running launcher, if the file names one that is still alive. */
    Optional<ProcessHandle> runningLauncher() {
        try {
            long pid = Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(PidFile::isLauncher);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    void claim() {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new LauncherException("Could not write " + file + ": " + e.getMessage(), e);
        }
    }

    void release() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A stale file is harmless: runningLauncher() checks the process.
        }
    }

    /** Guards against a recycled pid: only a process running launcher.jar counts. */
    private static boolean isLauncher(ProcessHandle process) {
        return process.info().commandLine().map(line -> line.contains("launcher")).orElse(true);
    }
}
