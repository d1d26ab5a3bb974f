package io.chatroom.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Where the apps' fat jars are and where a run writes logs, Redis files and the report. */
final class SystemTestPaths {
    static final List<String> APPS = List.of("coordinator-app", "chat-app", "archiver-app");

    private static final Set<String> COPIED = new HashSet<>();
    private static final String RUN_ID = UUID.randomUUID().toString().substring(0, 8);

    private SystemTestPaths() {}

    /** The repository root: {@code -Dchatroom.repo.dir}, else the parent of this module. */
    static Path repoDir() {
        String configured = System.getProperty("chatroom.repo.dir");
        if (configured != null && !configured.isBlank() && !configured.contains("${")) {
            Path dir = Path.of(configured).toAbsolutePath().normalize();
            if (Files.isDirectory(dir.resolve("system-tests"))) {
                return dir;
            }
        }
        return workDir().getParent();
    }

    /** This module's directory (surefire runs tests there). */
    static Path workDir() {
        return Path.of("").toAbsolutePath();
    }

    /** The app's fat jar as the build left it. */
    static Path builtJar(String app) {
        return repoDir().resolve(app).resolve("target").resolve(app + ".jar");
    }

    /**
     * A copy of the app's fat jar taken once per run, so that a rebuild of the app while the tests
     * run cannot pull the jar from under a running process.
     */
    static synchronized Path jar(String app) {
        // Per test JVM: two runs of this module at once must not overwrite each other's copies.
        Path copy = targetDir().resolve("jars").resolve(RUN_ID).resolve(app + ".jar");
        if (!COPIED.contains(app)) {
            try {
                Files.createDirectories(copy.getParent());
                Files.copy(builtJar(app), copy, StandardCopyOption.REPLACE_EXISTING);
                // Deleted in reverse order of registration: the directory last.
                copy.getParent().toFile().deleteOnExit();
                copy.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            COPIED.add(app);
        }
        return copy;
    }

    static List<Path> missingJars() {
        return APPS.stream()
                .map(SystemTestPaths::jar)
                .filter(p -> !Files.isRegularFile(p))
                .toList();
    }

    static Path targetDir() {
        return workDir().resolve("target");
    }

    static Path logDir() {
        return targetDir().resolve("system-logs");
    }

    static boolean soak() {
        return Boolean.getBoolean("soak");
    }

    /** The issue's full-size number under {@code -Dsoak=true}, else the scaled-down one. */
    static int scale(int full, int quick) {
        return soak() ? full : quick;
    }
}
