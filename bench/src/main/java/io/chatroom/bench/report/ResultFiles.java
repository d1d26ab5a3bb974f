package io.chatroom.bench.report;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Writes and reads the JSON result files, and describes the machine a run happened on. */
public final class ResultFiles {
    private static final DateTimeFormatter FILE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private static final JsonMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private ResultFiles() {}

    /** Writes {@code <dir>/<scenario>-<utc time>.json} and returns its path. */
    public static Path write(Path dir, RunResult result) throws IOException {
        Files.createDirectories(dir);
        Path file =
                dir.resolve(
                        result.scenario()
                                + "-"
                                + FILE_TIME.format(Instant.parse(result.startedAt()))
                                + ".json");
        Files.writeString(file, JSON.writeValueAsString(result) + "\n");
        return file;
    }

    public static RunResult read(Path file) throws IOException {
        return JSON.readValue(Files.readString(file), RunResult.class);
    }

    /** Cores, CPU model, memory, JVM and OS of this machine. */
    public static Map<String, String> machine() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("cpuModel", cpuModel());
        m.put("memTotal", memTotal());
        m.put("loadAverageAtStart", loadAverage());
        m.put(
                "java",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        try {
            m.put("host", InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            m.put("host", "unknown");
        }
        return m;
    }

    /** The 1, 5 and 15 minute load averages: other work on the machine skews every figure. */
    public static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        return procLine("/proc/cpuinfo", "model name");
    }

    private static String memTotal() {
        return procLine("/proc/meminfo", "MemTotal");
    }

    private static String procLine(String file, String key) {
        try (Stream<String> lines = Files.lines(Path.of(file))) {
            return lines.filter(l -> l.startsWith(key))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
