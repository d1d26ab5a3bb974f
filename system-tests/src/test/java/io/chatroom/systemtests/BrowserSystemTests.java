package io.chatroom.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The web UI in headless Chromium against a cluster of real processes (one coordinator serving the
 * page, two chat-apps, an archiver): two users in two browser sessions on two different chat
 * servers, an HTML payload, a killed chat server, and logout; then a third user whose page misses
 * more than the chat servers' window while the archiver lags. Scenarios a to d build on each other
 * (same users and room), so they run in name order, and one is skipped, saying why, when an earlier
 * one failed; e stands alone. Where the cluster or the browser cannot run, every test is reported
 * as skipped with the reason ({@link BrowserTestsRunnable}). Screenshots of the chat page and the
 * dashboard go to {@code -Dscreenshots.dir} (or env {@code SCREENSHOTS_DIR}), default {@code
 * target/screenshots}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class)
@ExtendWith(BrowserTestsRunnable.class)
class BrowserSystemTests {
    private static final Logger log = LoggerFactory.getLogger(BrowserSystemTests.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final String PASSWORD = "correct-horse-battery";
    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";
    private static final String ROOM = "general";
    private static final String PAYLOAD =
            "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>";
    private static final int MESSAGES_DURING_FAILOVER = 5;
    private static final int MESSAGES_AFTER_FAILOVER = 5;
    private static final int MESSAGES_BEFORE_OUTAGE = 5;
    // Three times the chat servers' window: the page must fill 2,000 seqs from the archive.
    private static final int MESSAGES_DURING_OUTAGE = 3 * BrowserCluster.WINDOW_SIZE;
    // Below the per-user limit of 20/s, so nothing is refused; 6 users send 3,000 in ~30 s.
    private static final int SENDERS = 6;
    private static final int SENDER_RATE = 17;
    private static final Duration TRAFFIC_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration FILL_TIMEOUT = Duration.ofMinutes(3);
    private static final String ARCHIVER_STATE =
            "return document.getElementById('archiver-state').dataset.state;";
    private static final String OPEN_SOCKETS =
            "return window.__sockets.filter(s => s.readyState === WebSocket.OPEN).length;";
    private static final String GAP_STATUS_ROLE =
            "return document.getElementById('gap-status').getAttribute('role');";
    private static final String ROOM_ROWS =
            "return document.querySelectorAll('#rooms-body tr[data-testid=dashboard-room-row]')"
                    + ".length;";

    /**
     * On a failure, keeps what each open page showed (target/browser-failures), and remembers the
     * failed scenario so that the ones building on it are skipped with that reason.
     */
    @RegisterExtension
    final TestWatcher dumpOnFailure =
            new TestWatcher() {
                @Override
                public void testFailed(ExtensionContext context, Throwable cause) {
                    Path dir = SystemTestPaths.targetDir().resolve("browser-failures");
                    String label = context.getRequiredTestMethod().getName();
                    if (failedScenario == null) {
                        failedScenario = label;
                    }
                    for (Browser browser : openBrowsers) {
                        browser.dump(dir, label);
                    }
                }
            };

    private final List<Browser> openBrowsers = new CopyOnWriteArrayList<>();
    private volatile String failedScenario;
    private BrowserCluster cluster;
    private Browser alice;
    private Browser bob;

    @BeforeAll
    void start() {
        if (BrowserTestsRunnable.problem() != null) {
            return; // each test is reported as skipped, with the reason
        }
        cluster = BrowserCluster.start();
        alice = openBrowser(ALICE);
        bob = openBrowser(BOB);
    }

    private Browser openBrowser(String name) {
        Browser browser = Browser.open(name, cluster.uiUrl());
        openBrowsers.add(browser);
        return browser;
    }

    /** Scenarios b to d continue where the previous one left off: not after a failure. */
    private void assumeEarlierScenariosPassed() {
        Assumptions.assumeTrue(
                failedScenario == null,
                () -> "skipped: builds on the state " + failedScenario + " left, and it failed");
    }

    @AfterAll
    void stop() {
        List<AutoCloseable> closeables = new ArrayList<>(openBrowsers);
        closeables.add(cluster);
        for (AutoCloseable closeable : closeables) {
            if (closeable != null) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    log.warn("Could not close {}: {}", closeable, e.toString());
                }
            }
        }
        openBrowsers.clear();
    }

    @Test
    void a_twoUsersOnTwoServersSeeTheSameConversation() {
        alice.register(ALICE, PASSWORD);
        bob.register(BOB, PASSWORD);
        // Least connections usually puts bob on the other server, but the coordinator's counts
        // lag the connections by up to a heartbeat, so both may land on one. Pick bob's server
        // explicitly instead: the one the coordinator names for exclude=<alice's> (as the page's
        // own fail-over asks), which his page then reopens with.
        JsonNode other = cluster.otherChatServer(bob.token(), alice.serverId());
        log.info(
                "bob was assigned {}, alice {}; bob uses {}",
                bob.serverId(),
                alice.serverId(),
                other);
        bob.useChatServer(
                other.get("id").asString(),
                other.get("httpUrl").asString(),
                other.get("wsUrl").asString());
        assertThat(List.of(alice.serverId(), bob.serverId()))
                .containsExactlyInAnyOrder("chat-1", "chat-2");
        assertThat(alice.connectionText()).isEqualTo("Connected to server " + alice.serverId());

        alice.join(ROOM);
        bob.join(ROOM);
        awaitPresence(List.of(ALICE, BOB), alice, bob);

        List<String> conversation =
                List.of(
                        "Hi Bob! Are you on the other server?",
                        "Hi Alice, yes: I'm on " + bob.serverId() + ".",
                        "And I'm on " + alice.serverId() + ". Relayed through Redis.",
                        "Messages keep their order on both pages ✓",
                        "Multi-line works too:\n- Shift+Enter for a new line\n- Enter to send",
                        "See you after the fail-over test!");
        for (int i = 0; i < conversation.size(); i++) {
            Browser sender = i % 2 == 0 ? alice : bob;
            sendAndAwaitOwn(sender, conversation.get(i));
        }
        awaitSameConversation(conversation.size());
        List<Browser.Message> seen = alice.messages();
        assertThat(seen).extracting(Browser.Message::text).containsExactlyElementsOf(conversation);
        assertThat(seen)
                .extracting(Browser.Message::sender)
                .containsExactly(ALICE, BOB, ALICE, BOB, ALICE, BOB);
        assertThat(seen).allSatisfy(m -> assertThat(m.own()).isEqualTo(ALICE.equals(m.sender())));
        assertThat(bob.messages())
                .allSatisfy(m -> assertThat(m.own()).isEqualTo(BOB.equals(m.sender())));
        assertThat(alice.pendingStatuses()).isEmpty();
        assertThat(bob.pendingStatuses()).isEmpty();

        // The coordinator sees one connection on each server (after the next heartbeats).
        await("one connection per chat server")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(
                        () ->
                                cluster.connectionsByServer()
                                        .equals(Map.of("chat-1", 1, "chat-2", 1)));

        // "All rooms" comes from the archiver (cross-origin) once it has archived the room.
        await("alice's room list shows " + ROOM)
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> {
                            alice.click("refresh-rooms-button");
                            return alice.roomList().contains(ROOM);
                        });
        alice.screenshot(screenshotsDir().resolve("chat.png"));
        for (Browser browser : List.of(alice, bob)) {
            // No failed request (e.g. CORS, a 404), no script error.
            assertThat(browser.consoleErrors()).as(browser.name()).isEmpty();
        }
        try (Browser dashboard = Browser.open("dashboard", cluster.dashboardUrl())) {
            await("dashboard lists two live servers with one connection each")
                    .atMost(TIMEOUT)
                    .pollInterval(POLL)
                    .until(
                            () ->
                                    dashboardServers(dashboard).equals("chat-1=1,chat-2=1")
                                            && "up".equals(dashboard.js(ARCHIVER_STATE))
                                            && !"0"
                                                    .equals(
                                                            String.valueOf(
                                                                    dashboard.js(ROOM_ROWS))));
            dashboard.screenshot(screenshotsDir().resolve("dashboard.png"));
            assertThat(dashboard.consoleErrors()).isEmpty();
        }
    }

    @Test
    void b_htmlPayloadShowsAsTextAndRunsNothing() {
        assumeEarlierScenariosPassed();
        sendAndAwaitOwn(alice, PAYLOAD);
        await("bob sees the payload")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(() -> bob.texts().contains(PAYLOAD));
        for (Browser browser : List.of(alice, bob)) {
            List<Browser.Message> messages = browser.messages();
            assertThat(messages.get(messages.size() - 1).text()).isEqualTo(PAYLOAD);
            assertThat(browser.js("return window.__pwned;")).as(browser.name()).isNull();
            assertThat(
                            browser.js(
                                    "return document.querySelectorAll("
                                            + "'#message-list img, #message-list script').length;"))
                    .as(browser.name())
                    .isEqualTo(0L);
        }
    }

    @Test
    void c_killedServerFailsOverAndShowsEveryMessageOnce() {
        assumeEarlierScenariosPassed();
        String victim = bob.serverId();
        String survivor = alice.serverId();
        assertThat(victim).isNotEqualTo(survivor);
        int before = alice.messages().size();

        cluster.chat(victim).kill();
        // Typed while disconnected: stays pending, goes out again after the reconnect.
        String fromBob = "bob typed this while reconnecting";
        bob.send(fromBob);
        List<String> expected = new ArrayList<>();
        // Sent while bob's page is losing its server and looking for another.
        for (int i = 1; i <= MESSAGES_DURING_FAILOVER; i++) {
            String text = "during fail-over " + i;
            sendAndAwaitOwn(alice, text);
            expected.add(text);
        }

        await(BOB + " fails over to " + survivor)
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(
                        () ->
                                "connected".equals(bob.connectionState())
                                        && survivor.equals(bob.serverId()));
        assertThat(bob.stateHistory()).contains("reconnecting");
        assertThat(bob.connectionText()).isEqualTo("Connected to server " + survivor);
        assertThat(bob.openSockets()).isEqualTo(1);

        for (int i = 1; i <= MESSAGES_AFTER_FAILOVER; i++) {
            String text = "after fail-over " + i;
            sendAndAwaitOwn(alice, text);
            expected.add(text);
        }
        int total = before + MESSAGES_DURING_FAILOVER + MESSAGES_AFTER_FAILOVER + 1;
        awaitSameConversation(total);
        for (Browser browser : List.of(alice, bob)) {
            List<Browser.Message> messages = browser.messages();
            Map<String, Long> counts =
                    messages.stream()
                            .collect(
                                    Collectors.groupingBy(
                                            Browser.Message::text, Collectors.counting()));
            for (String text : expected) {
                assertThat(counts.get(text)).as(browser.name() + ": " + text).isEqualTo(1L);
            }
            assertThat(counts.get(fromBob)).as(browser.name() + ": " + fromBob).isEqualTo(1L);
            List<String> alicesOrder =
                    messages.stream()
                            .map(Browser.Message::text)
                            .filter(expected::contains)
                            .toList();
            assertThat(alicesOrder).as(browser.name()).containsExactlyElementsOf(expected);
        }
        await("bob's re-sent message acknowledged")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(() -> bob.pendingStatuses().isEmpty());
    }

    @Test
    void d_logoutReturnsToLoginAndClosesTheSocket() {
        assumeEarlierScenariosPassed();
        await("both online before the logout")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(() -> alice.presence().equals(List.of(ALICE, BOB)));
        bob.logout();
        bob.awaitView("auth");
        assertThat(bob.displayed("auth-view")).isTrue();
        assertThat(bob.displayed("chat-view")).isFalse();
        assertThat(bob.authMessage()).isEqualTo("You have logged out.");
        assertThat(bob.connectionState()).isEqualTo("offline");
        assertThat(bob.js("return sessionStorage.getItem('chatroom.session');")).isNull();
        await("bob's sockets closed")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(() -> bob.openSockets() == 0);
        awaitPresence(List.of(ALICE), alice);
        await("the coordinator counts only alice's connection")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(
                        () ->
                                cluster.connectionsByServer().values().stream()
                                                .mapToInt(Integer::intValue)
                                                .sum()
                                        == 1);
    }

    /**
     * A page cut off its chat servers while 3,000 messages are sent (three times the servers'
     * window), with the archiver lagging behind the room: back online, it resumes after the last
     * seq it holds, gets only the window from the chat server, shows that it is still loading what
     * is missing, keeps retrying while the archiver has not archived it, and ends up with exactly
     * seqs 1..N, each with the text that was acked for it.
     */
    @Test
    void e_pageAwayLongerThanTheWindowFillsEveryMissedMessageFromTheArchive() throws Exception {
        String room = SystemTestSupport.rooms("backlog", 1).get(0);
        List<ChatClient> senders = new ArrayList<>();
        Browser carol = openBrowser(CAROL);
        AutoCloseable lease = null;
        try {
            carol.register(CAROL, PASSWORD);
            carol.join(room);
            for (int i = 0; i < SENDERS; i++) {
                ChatClient sender =
                        ChatClient.registerNew(List.of(cluster.coordinatorUrl()), "sender");
                sender.join(room);
                senders.add(sender.loginAndConnect());
            }
            ChatClient first = senders.get(0);
            for (int i = 1; i <= MESSAGES_BEFORE_OUTAGE; i++) {
                first.send(room, "before the outage " + i);
            }
            awaitSeqs(carol, seqs(1, MESSAGES_BEFORE_OUTAGE));

            carol.cutChatServers(Cluster.freePort());
            await("carol's page lost its chat server")
                    .atMost(TIMEOUT)
                    .pollInterval(POLL)
                    .until(
                            () ->
                                    !"connected".equals(carol.connectionState())
                                            && Long.valueOf(0).equals(carol.js(OPEN_SOCKETS)));
            lease = cluster.holdArchiveLease(room);
            Traffic.start(senders, new Traffic.Plan(MESSAGES_DURING_OUTAGE, SENDER_RATE, 0))
                    .awaitAllAcked(TRAFFIC_TIMEOUT);
            long total = MESSAGES_BEFORE_OUTAGE + MESSAGES_DURING_OUTAGE;
            Map<Long, String> acked = ackedTexts(senders);
            assertThat(acked.keySet()).as("acked seqs").isEqualTo(Set.copyOf(seqs(1, total)));

            carol.restoreChatServers();
            carol.awaitConnected();
            // Back online: the chat server replays its window; the rest is not archived yet.
            await("carol shows the window and waits for the archive")
                    .atMost(TIMEOUT)
                    .pollInterval(POLL)
                    .until(
                            () -> {
                                List<Long> shown = carol.seqs();
                                return !shown.isEmpty()
                                        && shown.get(shown.size() - 1) == total
                                        && "waiting".equals(carol.gapStatus().state());
                            });
            List<Long> shown = carol.seqs();
            long windowStart = shown.get(MESSAGES_BEFORE_OUTAGE);
            assertThat(windowStart)
                    .as("the chat server no longer holds the first missed seq")
                    .isGreaterThan(MESSAGES_BEFORE_OUTAGE + 1);
            assertThat(runs(shown))
                    .as("the messages before the outage, then the chat server's window")
                    .isEqualTo("1.." + MESSAGES_BEFORE_OUTAGE + "," + windowStart + ".." + total);
            Browser.GapStatus waiting = carol.gapStatus();
            assertThat(waiting.shown()).as("#gap-status visible").isTrue();
            assertThat(waiting.missing()).isEqualTo(windowStart - MESSAGES_BEFORE_OUTAGE - 1);
            assertThat(carol.js(GAP_STATUS_ROLE)).isEqualTo("status");

            // The archiver catches up: the page fills the hole page by page, without reloading.
            lease.close();
            lease = null;
            await("carol shows exactly seqs 1.." + total)
                    .atMost(FILL_TIMEOUT)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> runs(carol.seqs()), equalTo("1.." + total));
            assertThat(carol.seqs()).isEqualTo(seqs(1, total));
            Map<Long, String> shownTexts = new HashMap<>();
            for (Browser.Message message : carol.messages()) {
                shownTexts.put(message.seq(), message.text());
            }
            assertThat(shownTexts).isEqualTo(acked);
            await("#gap-status hidden once nothing is missing")
                    .atMost(TIMEOUT)
                    .pollInterval(POLL)
                    .until(() -> !carol.gapStatus().shown());
            assertThat(carol.gapStatus()).isEqualTo(new Browser.GapStatus("idle", 0, false));
        } finally {
            if (lease != null) {
                lease.close();
            }
            SystemTestSupport.closeAll(senders);
            openBrowsers.remove(carol);
            carol.close();
        }
    }

    private static void awaitSeqs(Browser browser, List<Long> expected) {
        await(browser.name() + " shows seqs " + runs(expected))
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(() -> runs(browser.seqs()), equalTo(runs(expected)));
    }

    /**
     * Seqs as runs of consecutive numbers, e.g. {@code 1..5,2006..3005}: short enough for a failure
     * message, and {@code 1..N} only when they are exactly 1 to N (a duplicate or a step back
     * starts a new run).
     */
    static String runs(List<Long> seqs) {
        StringBuilder runs = new StringBuilder();
        int start = 0;
        while (start < seqs.size()) {
            int end = start;
            while (end + 1 < seqs.size() && seqs.get(end + 1) == seqs.get(end) + 1) {
                end++;
            }
            if (runs.length() > 0) {
                runs.append(',');
            }
            runs.append(seqs.get(start)).append("..").append(seqs.get(end));
            start = end + 1;
        }
        return runs.toString();
    }

    /** Seq to text of every message the senders got an ack for. */
    private static Map<Long, String> ackedTexts(List<ChatClient> senders) {
        Map<Long, String> texts = new HashMap<>();
        for (ChatClient sender : senders) {
            for (ChatClient.Sent sent : sender.sent().values()) {
                assertThat(texts.put(sent.seq, sent.text)).as("seq " + sent.seq).isNull();
            }
        }
        return texts;
    }

    /** The dashboard's server rows as {@code id=connections}, comma-separated. */
    private static String dashboardServers(Browser dashboard) {
        return String.valueOf(
                dashboard.js(
                        "return [...document.querySelectorAll("
                                + "'#servers-body tr[data-testid=server-row]')]"
                                + ".map(row => row.dataset.serverId + '=' + row.querySelector("
                                + "'[data-testid=server-connections]').textContent).join(',');"));
    }

    /** Sends from the page and waits until the sender sees its own broadcast (and no pending). */
    private void sendAndAwaitOwn(Browser sender, String text) {
        sender.send(text);
        await(sender.name() + " sees own message")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(() -> sender.texts().contains(text) && sender.pendingStatuses().isEmpty());
    }

    /** Both pages show the same {@code count} messages, with exactly the seqs 1..count in order. */
    private void awaitSameConversation(int count) {
        Function<Browser, List<String>> shown =
                b ->
                        b.messages().stream()
                                .map(m -> m.seq() + "|" + m.sender() + "|" + m.text())
                                .toList();
        await("both pages show the same " + count + " messages")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(
                        () ->
                                alice.messages().size() == count
                                        && shown.apply(alice).equals(shown.apply(bob)));
        assertThat(alice.seqs()).as("alice's seqs").isEqualTo(seqs(1, count));
        assertThat(bob.seqs()).as("bob's seqs").isEqualTo(seqs(1, count));
    }

    /** {@code from, from + 1, ..., to}. */
    private static List<Long> seqs(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private static void awaitPresence(List<String> users, Browser... browsers) {
        for (Browser browser : browsers) {
            await(browser.name() + " shows online " + users)
                    .atMost(TIMEOUT)
                    .pollInterval(POLL)
                    .until(() -> browser.presence().equals(users));
        }
    }

    private static Path screenshotsDir() {
        String configured = System.getProperty("screenshots.dir", System.getenv("SCREENSHOTS_DIR"));
        if (configured == null || configured.isBlank()) {
            return SystemTestPaths.targetDir().resolve("screenshots");
        }
        return Path.of(configured);
    }
}
