package io.chatroom.bench.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads one server process's CPU time, heap and RSS: from {@code /proc/<pid>} when the process runs
 * on this machine (pid given, or found by its listening port with {@code ss}), else from its
 * actuator metrics. Every reading is optional: a figure that cannot be read is reported as absent,
 * never guessed.
 */
public final class ServerProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern SS_PID = Pattern.compile("pid=(\\d+)");
    private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux
    private static final long NANOS_PER_TICK = TimeUnit.SECONDS.toNanos(1) / CLOCK_TICKS_PER_SECOND;
    private static final int STAT_UTIME_FIELD = 13; // 0-based after the command name
    private static final int STAT_STIME_FIELD = 14;
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private final HttpClient http;
    private final String httpUrl;
    private final long pid;
    private final JsonMapper json = JsonMapper.builder().build();

    public ServerProbe(HttpClient http, String httpUrl, long pid) {
        this.http = http;
        this.httpUrl = httpUrl.endsWith("/") ? httpUrl.substring(0, httpUrl.length() - 1) : httpUrl;
        this.pid = pid > 0 ? pid : findPidByPort(URI.create(this.httpUrl));
    }

    /** The local pid serving this URL, or 0 if unknown. */
    public long pid() {
        return pid;
    }

    public String httpUrl() {
        return httpUrl;
    }

    /** CPU time (user + system) the process has used so far, in nanoseconds. */
    public OptionalLong cpuNanos() {
        if (pid > 0) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks =
                        Long.parseLong(fields[STAT_UTIME_FIELD - 2])
                                + Long.parseLong(fields[STAT_STIME_FIELD - 2]);
                return OptionalLong.of(ticks * NANOS_PER_TICK);
            } catch (IOException | RuntimeException e) {
                // fall back to the actuator
            }
        }
        OptionalLong seconds = actuatorValue("process.cpu.time", null);
        return seconds.isPresent() ? seconds : OptionalLong.empty();
    }

    /**
     * CPU nanoseconds used so far per thread group (thread names with digits dropped, e.g. "C2
     * CompilerThre", "clientInboundCh"), from {@code /proc/<pid>/task}: shows whether the time goes
     * to the JIT, GC, Redis I/O or the message path. Empty when the process is not local.
     */
    public Map<String, Long> cpuNanosByThreadGroup() {
        Map<String, Long> groups = new HashMap<>();
        if (pid <= 0) {
            return groups;
        }
        try (DirectoryStream<Path> tasks =
                Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks =
                            Long.parseLong(fields[STAT_UTIME_FIELD - 2])
                                    + Long.parseLong(fields[STAT_STIME_FIELD - 2]);
                    groups.merge(
                            name.replaceAll("[0-9#]+", "").trim(),
                            ticks * NANOS_PER_TICK,
                            Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we listed it
                }
            }
        } catch (IOException e) {
            return groups;
        }
        return groups;
    }

    /** Heap in use, in bytes, from {@code /actuator/metrics/jvm.memory.used?tag=area:heap}. */
    public OptionalLong heapUsedBytes() {
        return actuatorValue("jvm.memory.used", "area:heap");
    }

    /** Resident set size in bytes from {@code /proc/<pid>/status}. */
    public OptionalLong rssBytes() {
        if (pid <= 0) {
            return OptionalLong.empty();
        }
        try {
            Matcher m =
                    VM_RSS.matcher(
                            Files.readString(Path.of("/proc", Long.toString(pid), "status")));
            return m.find()
                    ? OptionalLong.of(Long.parseLong(m.group(1)) * 1024)
                    : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** Asks the JVM for a full GC (jcmd), so heap readings compare live data, not garbage. */
    public boolean fullGc() {
        if (pid <= 0) {
            return false;
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p =
                    new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
            return p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The top lines of {@code jcmd <pid> GC.class_histogram}: what the heap is made of. */
    public List<String> classHistogram(int lines) {
        if (pid <= 0) {
            return List.of();
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p =
                    new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
                            .redirectErrorStream(true)
                            .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return out.lines().limit(lines).toList();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private OptionalLong actuatorValue(String metric, String tag) {
        String url = httpUrl + "/actuator/metrics/" + metric + (tag == null ? "" : "?tag=" + tag);
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).build();
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) {
                return OptionalLong.empty();
            }
            JsonNode root = json.readTree(response.body());
            double value = root.path("measurements").path(0).path("value").asDouble(Double.NaN);
            if (Double.isNaN(value)) {
                return OptionalLong.empty();
            }
            String unit = root.path("baseUnit").asString("");
            double scale = "seconds".equals(unit) ? TimeUnit.SECONDS.toNanos(1) : 1;
            return OptionalLong.of((long) (value * scale));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    /** Finds the pid listening on the URL's port with {@code ss -ltnpH}, if it is local. */
    static long findPidByPort(URI uri) {
        String host = uri.getHost();
        if (host == null
                || !(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"))) {
            return 0;
        }
        int port = uri.getPort();
        try {
            Process p =
                    new ProcessBuilder("ss", "-ltnpH", "sport = :" + port)
                            .redirectErrorStream(true)
                            .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Matcher m = SS_PID.matcher(out);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
