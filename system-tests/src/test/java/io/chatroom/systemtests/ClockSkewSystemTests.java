package io.chatroom.systemtests;

import static io.chatroom.systemtests.SystemTestSupport.closeAll;
import static io.chatroom.systemtests.SystemTestSupport.rooms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.common.RedisKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence when one chat server's clock is wrong: chat-2 runs an hour ahead (libfaketime), chat-1
 * and Redis keep the real time. Presence entries expire by Redis's clock, so a server whose clock
 * runs ahead must neither delete the other server's live entries nor leave its own behind for an
 * hour after it crashes. With the app and Redis on one clock, only a skewed process shows this.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClockSkewSystemTests {
    private static final Logger log = LoggerFactory.getLogger(ClockSkewSystemTests.class);
    private static final Path FAKETIME =
            Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
    private static final Duration SKEW = Duration.ofHours(1);
    private static final String NORMAL = "chat-1";
    private static final String SKEWED = "chat-2";

    /** chatroom.presence.refresh-interval and ttl (the defaults). */
    private static final Duration REFRESH = Duration.ofSeconds(2);

    private static final Duration PRESENCE_TTL = Duration.ofSeconds(6);

    /** More than 3 refresh cycles of both servers. */
    private static final Duration STABLE_WINDOW = REFRESH.multipliedBy(5);

    private static final Duration SAMPLE_EVERY = Duration.ofMillis(200);
    private static final Duration JOIN_LIMIT = Duration.ofSeconds(30);
    private static final Duration LEAVE_LIMIT = Duration.ofSeconds(5);

    /** The ttl, one relay sync (1s) and slack for a loaded 2-core machine; far below the skew. */
    private static final Duration CRASH_EXPIRY_LIMIT = PRESENCE_TTL.plusSeconds(9);

    /** How many of ARGV are members of the ZSET KEYS[1] that have not expired by Redis's clock. */
    private static final String LIVE_MEMBERS =
            "local t = redis.call('TIME') "
                    + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
                    + "local n = 0 "
                    + "for i = 1, #ARGV do "
                    + "local s = redis.call('ZSCORE', KEYS[1], ARGV[i]) "
                    + "if s and tonumber(s) > now then n = n + 1 end "
                    + "end "
                    + "return n";

    /** Redis's clock and every member's expiry in the ZSET KEYS[1], for failure messages. */
    private static final String DESCRIBE =
            "local t = redis.call('TIME') "
                    + "local d = 'redis now ' .. t[1] .. string.format('%03d', math.floor(t[2] / 1000)) "
                    + "local m = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES') "
                    + "for i = 1, #m, 2 do d = d .. ', ' .. m[i] .. ' expires ' .. m[i + 1] end "
                    + "return redis.status_reply(d)";

    private final boolean faketimeInstalled = Files.exists(FAKETIME);
    private final List<ChatClient> clients = new ArrayList<>();
    private Cluster cluster;

    @BeforeAll
    void startCluster() {
        SystemTestSupport.assumeRunnable();
        if (!faketimeInstalled) {
            log.error(
                    "\n\n*** CLOCK SKEW SYSTEM TESTS SKIPPED: {} is missing\n"
                            + "*** Install it: apt-get install -y libfaketime\n",
                    FAKETIME);
            return;
        }
        Map<String, String> skewed =
                Map.of(
                        "LD_PRELOAD",
                        FAKETIME.toString(),
                        "FAKETIME",
                        "+" + SKEW.toSeconds() + "s",
                        // Only the wall clock is skewed: the JVM's timers and waits stay sane.
                        "FAKETIME_DONT_FAKE_MONOTONIC",
                        "1");
        cluster =
                Cluster.start(
                        new Cluster.Options(
                                1, 2, 0, 0, false, List.of(), List.of(), Map.of(SKEWED, skewed)));
    }

    @BeforeEach
    void needsFaketime() {
        // Reported as skipped per test, with the reason, rather than passing without a skew.
        Assumptions.assumeTrue(
                faketimeInstalled,
                FAKETIME + " is missing (apt-get install -y libfaketime): no clock to skew");
    }

    @AfterAll
    void stopCluster() {
        closeAll(clients);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void presenceIsExactAndStableAcrossServersWhoseClocksDisagree() throws Exception {
        assertClocksAsConfigured();
        String room = rooms("skew", 1).get(0);
        ChatClient alice = connect("alice", NORMAL, room);
        ChatClient bob = connect("bob", SKEWED, room);
        List<String> both = sorted(alice.username(), bob.username());
        String aliceMember = alice.username() + "@" + NORMAL;
        String bobMember = bob.username() + "@" + SKEWED;

        long joinStart = System.nanoTime();
        awaitPresence(alice, room, both, JOIN_LIMIT);
        awaitPresence(bob, room, both, JOIN_LIMIT);
        log.info("both listed by both after {} ms", millisSince(joinStart));

        // Every refresh of chat-2 would delete chat-1's entries if it expired them by its own
        // clock; sample Redis throughout several refresh cycles of both servers.
        int aliceFrames = alice.presence(room).size();
        int bobFrames = bob.presence(room).size();
        int samples = 0;
        List<String> misses = new ArrayList<>();
        long windowStart = System.nanoTime();
        while (System.nanoTime() - windowStart < STABLE_WINDOW.toNanos()) {
            int live = liveMembers(room, aliceMember, bobMember);
            samples++;
            if (live != 2) {
                misses.add(
                        live + " live at +" + millisSince(windowStart) + " ms: " + describe(room));
            }
            Thread.sleep(SAMPLE_EVERY.toMillis());
        }
        log.info(
                "{} samples of the presence ZSET over {}: {} misses",
                samples,
                STABLE_WINDOW,
                misses.size());
        assertThat(misses)
                .as(
                        "samples of the presence ZSET (Redis's clock) where not both %s and %s were"
                                + " live, of %d over %s",
                        aliceMember, bobMember, samples, STABLE_WINDOW)
                .isEmpty();
        assertThat(usersOf(alice.presence(room).subList(aliceFrames, alice.presence(room).size())))
                .as("presence frames %s (on %s) got while both stayed", alice.username(), NORMAL)
                .allMatch(both::equals);
        assertThat(usersOf(bob.presence(room).subList(bobFrames, bob.presence(room).size())))
                .as("presence frames %s (on %s) got while both stayed", bob.username(), SKEWED)
                .allMatch(both::equals);
        assertThat(latest(alice, room)).isEqualTo(both);
        assertThat(latest(bob, room)).isEqualTo(both);

        long leftAt = System.nanoTime();
        alice.close();
        awaitPresence(bob, room, List.of(bob.username()), LEAVE_LIMIT);
        log.info(
                "{} left; gone for {} after {} ms",
                alice.username(),
                bob.username(),
                millisSince(leftAt));
        assertThat(liveMembers(room, aliceMember)).as("%s in Redis", aliceMember).isZero();

        bob.close();
        await(bobMember + " removed")
                .atMost(LEAVE_LIMIT)
                .pollInterval(SAMPLE_EVERY)
                .until(() -> liveMembers(room, bobMember) == 0);
    }

    @Test
    @Order(2)
    void usersOfACrashedServerWhoseClockRunsAheadExpireByRedisClock() throws Exception {
        assertClocksAsConfigured();
        String room = rooms("skew-crash", 1).get(0);
        ChatClient dave = connect("dave", NORMAL, room);
        ChatClient carol = connect("carol", SKEWED, room);
        // Stays with the crashed server: a fail-over to chat-1 would list carol again.
        carol.autoFailover(false);
        awaitPresence(dave, room, sorted(carol.username(), dave.username()), JOIN_LIMIT);

        long killedAt = System.nanoTime();
        cluster.chat(SKEWED).kill();
        // Written an hour ahead, carol's entry would outlive the crash by an hour.
        awaitPresence(dave, room, List.of(dave.username()), CRASH_EXPIRY_LIMIT);
        log.info(
                "{} of the killed {} gone for {} after {} ms (ttl {})",
                carol.username(),
                SKEWED,
                dave.username(),
                millisSince(killedAt),
                PRESENCE_TTL);
    }

    private ChatClient connect(String prefix, String server, String room) throws IOException {
        ChatClient client = ChatClient.registerNew(cluster.coordinatorUrls(), prefix);
        clients.add(client);
        client.login();
        client.connect(cluster.chatServerInfo(server));
        client.watchPresence(room);
        client.join(room);
        return client;
    }

    /** The skew took: chat-2's HTTP Date is an hour ahead, chat-1's is not. */
    private void assertClocksAsConfigured() throws IOException {
        Duration normal = offset(cluster.chat(NORMAL));
        Duration skewed = offset(cluster.chat(SKEWED));
        log.info("clock offsets: {} {}, {} {}", NORMAL, normal, SKEWED, skewed);
        assertThat(normal.abs()).as("%s's clock offset", NORMAL).isLessThan(Duration.ofMinutes(1));
        assertThat(skewed.minus(SKEW).abs())
                .as("%s's clock offset %s, expected %s", SKEWED, skewed, SKEW)
                .isLessThan(Duration.ofMinutes(1));
    }

    private static Duration offset(AppProcess app) throws IOException {
        Rest.Response response = Rest.get(app.baseUrl() + "/actuator/health/readiness", Map.of());
        String date = response.header("Date");
        assertThat(date).as("Date header of %s", app.name()).isNotNull();
        ZonedDateTime appTime = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME);
        return Duration.between(ZonedDateTime.now(), appTime);
    }

    private int liveMembers(String room, String... members) throws IOException {
        String key = new RedisKeys(cluster.keyPrefix()).roomPresence(room);
        List<String> command = new ArrayList<>(List.of("EVAL", LIVE_MEMBERS, "1", key));
        command.addAll(List.of(members));
        String reply = cluster.redis().command(command.toArray(String[]::new));
        if (!reply.startsWith(":")) {
            throw new IllegalStateException("EVAL answered " + reply);
        }
        return Integer.parseInt(reply.substring(1));
    }

    private String describe(String room) throws IOException {
        String key = new RedisKeys(cluster.keyPrefix()).roomPresence(room);
        return cluster.redis().command("EVAL", DESCRIBE, "1", key).substring(1);
    }

    /** Fails with what the client saw and what Redis holds, not just a timeout. */
    private void awaitPresence(ChatClient client, String room, List<String> users, Duration limit)
            throws IOException {
        try {
            await(client.username() + " sees " + users + " in " + room)
                    .atMost(limit)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> users.equals(latest(client, room)));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    client.username()
                            + " (on "
                            + client.server().id()
                            + ") did not see "
                            + users
                            + " within "
                            + limit
                            + "; presence frames it got: "
                            + usersOf(client.presence(room))
                            + "; Redis: "
                            + describe(room),
                    e);
        }
    }

    private static List<String> latest(ChatClient client, String room) {
        List<ChatClient.PresenceFrame> frames = client.presence(room);
        return frames.isEmpty() ? List.of() : frames.get(frames.size() - 1).users();
    }

    private static List<List<String>> usersOf(List<ChatClient.PresenceFrame> frames) {
        return frames.stream().map(ChatClient.PresenceFrame::users).toList();
    }

    private static List<String> sorted(String... users) {
        return Stream.of(users).sorted().toList();
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
