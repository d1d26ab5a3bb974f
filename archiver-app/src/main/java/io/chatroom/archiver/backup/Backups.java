package io.chatroom.archiver.backup;

import io.chatroom.archiver.config.ChatroomProperties;
import io.chatroom.archiver.web.ApiException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * Verified pg_dump backups: each dump is written under a temporary name, checked with {@code
 * pg_restore --list}, and only then renamed to its final {@code .dump} name; a dump that fails the
 * check is kept as {@code .dump.failed}. Only the newest {@code keep} of each kind are kept. A
 * failed run (no pg_dump, full disk, database down) is logged, shown by the health indicator, and
 * retried by the next scheduled run.
 */
@Service
public class Backups {
    private static final Logger log = LoggerFactory.getLogger(Backups.class);
    private static final String DUMP = ".dump";
    private static final String FAILED = ".dump.failed";
    private static final String PARTIAL = ".partial";
    private static final String OUTPUT = ".log";
    private static final int OUTPUT_TAIL_CHARS = 400;
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

    private final ChatroomProperties.Backup settings;
    private final DatabaseTarget target;
    private final String username;
    private final String password;
    private final Clock clock;
    private final ReentrantLock oneAtATime = new ReentrantLock();
    private volatile Attempt lastAttempt;

    /** Outcome of the latest run, for the health indicator. */
    record Attempt(Instant time, boolean succeeded, String error) {}

    Backups(
            ChatroomProperties properties,
            @Value("${spring.datasource.url}") String jdbcUrl,
            @Value("${spring.datasource.username:}") String username,
            @Value("${spring.datasource.password:}") String password,
            Clock clock,
            MeterRegistry meters) {
        this.settings = properties.backup();
        this.target = DatabaseTarget.fromJdbcUrl(jdbcUrl);
        this.username = username;
        this.password = password;
        this.clock = clock;
        Gauge.builder("chatroom.backup.last.age", this, Backups::lastVerifiedAgeSeconds)
                .description("Seconds since the newest verified backup (NaN if none)")
                .baseUnit("seconds")
                .register(meters);
    }

    @Scheduled(cron = "${chatroom.backup.cron}")
    void scheduled() {
        try {
            take();
        } catch (ApiException e) {
            // already logged with its cause; the next scheduled run retries
        }
    }

    /**
     * Takes one backup now.
     *
     * @throws ApiException 503 when pg_dump or the verification failed, 409 when a backup is
     *     already running
     */
    public BackupInfo take() {
        if (!oneAtATime.tryLock()) {
            throw new ApiException(HttpStatus.CONFLICT, "A backup is already running");
        }
        try {
            return takeLocked();
        } finally {
            oneAtATime.unlock();
        }
    }

    private BackupInfo takeLocked() {
        Instant now = clock.instant();
        String name = "chatroom-" + STAMP.format(now) + DUMP;
        Path dir = settings.dir();
        Path partial = dir.resolve(name + PARTIAL);
        try {
            Files.createDirectories(dir);
            removeStalePartials(dir);
            List<String> dump = new ArrayList<>(List.of(settings.pgDump(), "--format=custom"));
            dump.addAll(connectionArgs());
            dump.add("--file=" + partial);
            run(dump, dir.resolve(name + OUTPUT), "pg_dump");
            try {
                run(
                        List.of(settings.pgRestore(), "--list", partial.toString()),
                        dir.resolve(name + OUTPUT),
                        "pg_restore --list");
            } catch (BackupFailure e) {
                Files.move(partial, dir.resolve(name + FAILED), StandardCopyOption.ATOMIC_MOVE);
                throw e;
            }
            Path finished = dir.resolve(name);
            Files.move(partial, finished, StandardCopyOption.ATOMIC_MOVE);
            prune(dir);
            lastAttempt = new Attempt(now, true, null);
            BackupInfo info = info(finished);
            log.info("Backup {} written and verified ({} bytes)", name, info.size());
            return info;
        } catch (BackupFailure | IOException e) {
            deleteQuietly(partial);
            String error = e instanceof BackupFailure ? e.getMessage() : "I/O error: " + e;
            lastAttempt = new Attempt(now, false, error);
            log.error("Backup {} failed, the next run retries: {}", name, error);
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "Backup failed: " + error);
        } finally {
            deleteQuietly(dir.resolve(name + OUTPUT));
        }
    }

    /** Newest first; {@code verified=false} for dumps that failed pg_restore --list. */
    public List<BackupInfo> list() {
        Path dir = settings.dir();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Backups::isBackup)
                    .map(Backups::infoOrNull)
                    .filter(java.util.Objects::nonNull)
                    .sorted(Comparator.comparing(BackupInfo::name).reversed())
                    .toList();
        } catch (IOException e) {
            log.warn("Cannot list backups in {}: {}", dir, e.toString());
            return List.of();
        }
    }

    /** The newest backup, verified or not, or null. */
    public BackupInfo lastBackup() {
        List<BackupInfo> all = list();
        return all.isEmpty() ? null : all.get(0);
    }

    Attempt lastAttempt() {
        return lastAttempt;
    }

    private List<String> connectionArgs() {
        List<String> args = new ArrayList<>();
        args.add("--host=" + target.host());
        args.add("--port=" + target.port());
        if (username != null && !username.isBlank()) {
            args.add("--username=" + username);
        }
        args.add("--dbname=" + target.database());
        args.add("--no-password");
        return args;
    }

    /**
     * Runs a tool with the password in its environment only; output goes to a file, never a log.
     */
    private void run(List<String> command, Path output, String what) throws BackupFailure {
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile());
        if (password != null && !password.isEmpty()) {
            builder.environment().put("PGPASSWORD", password);
        }
        try {
            Process process = builder.start();
            if (!process.waitFor(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new BackupFailure(what + " did not finish within " + settings.timeout());
            }
            if (process.exitValue() != 0) {
                throw new BackupFailure(
                        what + " exited with " + process.exitValue() + ": " + tail(output));
            }
        } catch (IOException e) {
            throw new BackupFailure(
                    "cannot run "
                            + command.get(0)
                            + " (set chatroom.backup.pg-dump / pg-restore): "
                            + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupFailure(what + " was interrupted");
        }
    }

    private void prune(Path dir) throws IOException {
        for (String suffix : List.of(DUMP, FAILED)) {
            List<Path> files;
            try (Stream<Path> all = Files.list(dir)) {
                files =
                        all.filter(p -> p.getFileName().toString().endsWith(suffix))
                                .sorted(Comparator.comparing(Path::getFileName).reversed())
                                .toList();
            }
            for (Path old : files.subList(Math.min(settings.keep(), files.size()), files.size())) {
                Files.deleteIfExists(old);
                log.info("Deleted old backup {}", old.getFileName());
            }
        }
    }

    /** Only called under the lock, so any .partial file is the remains of a crashed run. */
    private static void removeStalePartials(Path dir) throws IOException {
        try (Stream<Path> all = Files.list(dir)) {
            for (Path p : all.filter(p -> p.toString().endsWith(PARTIAL)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private double lastVerifiedAgeSeconds() {
        return list().stream()
                .filter(BackupInfo::verified)
                .findFirst()
                .map(b -> (double) Duration.between(b.time(), clock.instant()).toSeconds())
                .orElse(Double.NaN);
    }

    private static boolean isBackup(Path p) {
        String name = p.getFileName().toString();
        return name.endsWith(DUMP) || name.endsWith(FAILED);
    }

    private static BackupInfo infoOrNull(Path p) {
        try {
            return info(p);
        } catch (IOException e) {
            return null; // deleted by retention while listing
        }
    }

    private static BackupInfo info(Path p) throws IOException {
        String name = p.getFileName().toString();
        return new BackupInfo(
                name, Files.size(p), Files.getLastModifiedTime(p).toInstant(), name.endsWith(DUMP));
    }

    private static String tail(Path output) {
        try {
            String text = Files.readString(output, StandardCharsets.UTF_8).strip();
            return text.length() <= OUTPUT_TAIL_CHARS
                    ? text
                    : text.substring(text.length() - OUTPUT_TAIL_CHARS);
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", p, e.toString());
        }
    }

    /** A failed step of one backup run, with a message fit for logs and the operator. */
    private static final class BackupFailure extends Exception {
        BackupFailure(String message) {
            super(message);
        }
    }
}
