package io.chatroom.bench;

import io.chatroom.bench.metrics.ServerProbe;
import io.chatroom.bench.report.Latency;
import io.chatroom.bench.report.Point;
import io.chatroom.bench.run.Cluster;
import io.chatroom.bench.run.FanOut;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The archiver's scenarios: catch-up rate of a backlog, and history page latency. */
final class ArchiveScenarios {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 100;
    private static final double NANOS_PER_SECOND = 1e9;
    private static final int SIGNIFICANT_DIGITS = 3;
    private static final long NANOS_PER_MICRO = 1000;

    private final Cluster cluster;
    private final Options options;
    private final String runTag;
    private final String archiverUrl;
    private final Map<String, Object> extra = new LinkedHashMap<>();
    private final JsonMapper json = JsonMapper.builder().build();

    ArchiveScenarios(Cluster cluster, Options options, String runTag) {
        this.cluster = cluster;
        this.options = options;
        this.runTag = runTag;
        this.archiverUrl = options.string("archiver", "http://localhost:8090");
    }

    Map<String, Object> extra() {
        return extra;
    }

    /**
     * Publishes a backlog as fast as acks allow, then measures how fast the archiver drains it (lag
     * from {@code GET /api/archive/status}). With --pause-archiver the archiver process is stopped
     * (SIGSTOP) while publishing, so the whole backlog waits in Redis first.
     */
    List<Point> archive(Scenarios fanOut) throws IOException, InterruptedException {
        int messages = options.integer("messages", 100_000);
        boolean pause = options.flag("pause-archiver");
        ServerProbe archiver = cluster.probe(archiverUrl);
        Status before = status();
        Console.out("archiver before: " + before);
        if (pause) {
            signal(archiver.pid(), "STOP");
        }
        Point published;
        long maxLag;
        try (FanOut room =
                new FanOut(
                        cluster,
                        new FanOut.Shape(
                                "bench-archive-" + runTag,
                                0,
                                options.integer("publishers", 1),
                                1,
                                List.of(fanOut.servers().get(0)),
                                false),
                        options.longValue("idle-timeout", 20))) {
            room.open();
            published =
                    room.measure(
                            "publish " + messages,
                            messages,
                            options.integer("inflight", 64),
                            0,
                            options.integer("text", 100));
        } finally {
            if (pause) {
                signal(archiver.pid(), "CONT");
            }
        }
        Console.out(
                String.format(
                        Locale.ROOT,
                        "published %d messages in %.2f s: %.0f msgs/s",
                        messages,
                        published.seconds(),
                        published.messagesPerSecond()));
        long resumed = System.nanoTime();
        Status atResume = status();
        maxLag = atResume.lag;
        long drainStartArchived = atResume.archivedTotal;
        Status now = atResume;
        while (now.lag > 0) {
            Thread.sleep(POLL_MILLIS);
            now = status();
            maxLag = Math.max(maxLag, now.lag);
            if (System.nanoTime() - resumed > TimeUnit.MINUTES.toNanos(10)) {
                throw new IllegalStateException("archiver did not drain within 10 minutes: " + now);
            }
        }
        double drainSeconds = (System.nanoTime() - resumed) / NANOS_PER_SECOND;
        long drained = now.archivedTotal - drainStartArchived;
        extra.put("paused", pause);
        extra.put("messages", messages);
        extra.put("publishSeconds", published.seconds());
        extra.put("publishMessagesPerSecond", published.messagesPerSecond());
        extra.put("lagAfterPublish", atResume.lag);
        extra.put("drainSeconds", Math.round(drainSeconds * 1000) / 1000.0);
        extra.put("drainedAfterPublish", drained);
        extra.put(
                "drainMessagesPerSecond",
                drainSeconds > 0 ? Math.round(drained / drainSeconds) : null);
        extra.put("archivedTotalBefore", before.archivedTotal);
        extra.put("archivedTotalAfter", now.archivedTotal);
        extra.put("archivedDuringRun", now.archivedTotal - before.archivedTotal);
        Console.out("archive: " + extra);
        return List.of(published);
    }

    private record Status(long lag, long archivedTotal) {}

    private Status status() throws IOException, InterruptedException {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(archiverUrl + "/api/archive/status"))
                        .timeout(TIMEOUT)
                        .build();
        HttpResponse<String> response =
                cluster.http().send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("archive status: " + response.statusCode());
        }
        JsonNode node = json.readTree(response.body());
        return new Status(node.path("lag").asLong(), node.path("archivedTotal").asLong());
    }

    private static void signal(long pid, String signal) throws IOException, InterruptedException {
        if (pid <= 0) {
            throw new IllegalStateException(
                    "--pause-archiver needs the archiver's pid (--archiver-pid, or a local port)");
        }
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
        if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }

    /**
     * Fills one room with {@code rows} archived messages straight in PostgreSQL (once; later runs
     * reuse them), then times history pages at random positions.
     */
    List<Point> history() throws IOException, InterruptedException {
        int rows = options.integer("rows", 1_000_000);
        int requests = options.integer("requests", 2000);
        int limit = options.integer("limit", 200);
        String room = options.string("room", "bench-history-" + rows);
        try {
            seed(room, rows);
        } catch (SQLException e) {
            throw new IOException("seeding " + room + ": " + e.getMessage(), e);
        }
        Map<String, Object> kinds = new LinkedHashMap<>();
        kinds.put("latest", page(room, requests, limit, Kind.LATEST, rows));
        kinds.put("beforeSeq", page(room, requests, limit, Kind.BEFORE, rows));
        kinds.put("afterSeq", page(room, requests, limit, Kind.AFTER, rows));
        extra.put("room", room);
        extra.put("rows", rows);
        extra.put("limit", limit);
        extra.put("requestsPerKind", requests);
        extra.put("pages", kinds);
        Console.out("history: " + extra);
        return List.of();
    }

    private enum Kind {
        LATEST,
        BEFORE,
        AFTER
    }

    private Map<String, Object> page(String room, int requests, int limit, Kind kind, int rows)
            throws IOException, InterruptedException {
        Histogram micros = new Histogram(SIGNIFICANT_DIGITS);
        long wrongSize = 0;
        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            String query =
                    switch (kind) {
                        case LATEST -> "?limit=" + limit;
                        case BEFORE ->
                                "?limit="
                                        + limit
                                        + "&beforeSeq="
                                        + ThreadLocalRandom.current().nextInt(limit + 1, rows + 2);
                        case AFTER ->
                                "?limit="
                                        + limit
                                        + "&afterSeq="
                                        + ThreadLocalRandom.current().nextInt(0, rows - limit + 1);
                    };
            HttpRequest request =
                    HttpRequest.newBuilder(
                                    URI.create(
                                            archiverUrl
                                                    + "/api/rooms/"
                                                    + room
                                                    + "/messages"
                                                    + query))
                            .timeout(TIMEOUT)
                            .build();
            long t0 = System.nanoTime();
            HttpResponse<String> response =
                    cluster.http().send(request, HttpResponse.BodyHandlers.ofString());
            micros.recordValue((System.nanoTime() - t0) / NANOS_PER_MICRO);
            if (response.statusCode() != 200 || json.readTree(response.body()).size() != limit) {
                wrongSize++;
            }
        }
        double seconds = (System.nanoTime() - start) / NANOS_PER_SECOND;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("latencyMs", Latency.ofMicros(micros));
        m.put("pagesPerSecond", Math.round(requests / seconds));
        m.put("pagesNotFull", wrongSize);
        return m;
    }

    private void seed(String room, int rows) throws SQLException {
        String url = options.string("db-url", "jdbc:postgresql://127.0.0.1:5432/chatroom");
        String user = options.string("db-user", env("DATABASE_USER", "postgres"));
        String password = options.string("db-password", env("DATABASE_PASSWORD", ""));
        try (Connection db = DriverManager.getConnection(url, user, password)) {
            long have;
            try (PreparedStatement count =
                    db.prepareStatement(
                            "select count(*) from archive.chat_message where room = ?")) {
                count.setString(1, room);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    have = rs.getLong(1);
                }
            }
            if (have == rows) {
                Console.out(room + " already holds " + rows + " rows");
                return;
            }
            long start = System.nanoTime();
            db.setAutoCommit(false);
            try (PreparedStatement delete =
                            db.prepareStatement("delete from archive.chat_message where room = ?");
                    PreparedStatement insert =
                            db.prepareStatement(
                                    "insert into archive.chat_message"
                                            + " (room, seq, id, sender, text, sent_at)"
                                            + " select ?, g, md5(?||g), 'bench-history',"
                                            + " rpad('history message ' || g, 100, 'x'),"
                                            + " now() - make_interval(secs => ? - g)"
                                            + " from generate_series(1, ?) g");
                    PreparedStatement summary =
                            db.prepareStatement(
                                    "insert into archive.room_summary"
                                            + " (room, messages, last_seq, last_activity)"
                                            + " values (?, ?, ?, now()) on conflict (room) do update"
                                            + " set messages = excluded.messages,"
                                            + " last_seq = excluded.last_seq")) {
                delete.setString(1, room);
                delete.executeUpdate();
                insert.setString(1, room);
                insert.setString(2, room);
                insert.setInt(3, rows);
                insert.setInt(4, rows);
                insert.executeUpdate();
                summary.setString(1, room);
                summary.setLong(2, rows);
                summary.setLong(3, rows);
                summary.executeUpdate();
            }
            db.commit();
            try (PreparedStatement analyze = db.prepareStatement("analyze archive.chat_message")) {
                analyze.execute();
            }
            db.commit();
            Console.out(
                    String.format(
                            Locale.ROOT,
                            "inserted %d rows into %s in %.1f s",
                            rows,
                            room,
                            (System.nanoTime() - start) / NANOS_PER_SECOND));
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
