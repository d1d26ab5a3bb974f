package io.chatroom.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.chatroom.common.ChatServerInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
import org.openqa.selenium.ElementClickInterceptedException;
import org.openqa.selenium.ElementNotInteractableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web UI in headless Chromium against a cluster of real processes (one coordinator serving the
 * page, two chat-apps, an archiver): two users in two browser sessions on two different chat
 * servers with the dashboard's live charts open beside them, an HTML payload, unread counts and the
 * "New messages" divider, a room list that updates itself, axe-core on every page, a killed chat
 * server (its chart lines stop, the dashboard says so), and logout; then a third user whose page
 * misses more than the chat servers' window while the archiver lags, a fourth who scrolls back
 * through a room's older history, and a fifth whose unread count after a reload exceeds the history
 * a room brings on entry. Scenarios a to h build on each other (same users and rooms), so they run
 * in name order, and one is skipped, saying why, when an earlier one failed; i, j and k stand
 * alone. Where the cluster or the browser cannot run, every test is reported as skipped with the
 * reason ({@link BrowserTestsRunnable}). Screenshots of the chat page and the dashboard go to
 * {@code -Dscreenshots.dir} (or env {@code SCREENSHOTS_DIR}), default {@code target/screenshots}.
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
    private static final String SECOND_ROOM = "random";
    private static final String TRAFFIC_ROOM = "traffic";
    // Two senders (one per chat server) at 10 messages/s each for 20 s: lines on every chart.
    private static final int TRAFFIC_MESSAGES = 400;
    private static final int TRAFFIC_RATE = 10;
    // "New rooms appear within a few seconds": the page polls every 3 s, the archiver drains at
    // once.
    private static final Duration NEW_ROOM_DEADLINE = Duration.ofSeconds(15);
    // The page's part of it: its 3 s poll plus slack for a loaded machine.
    private static final Duration PAGE_LIST_DEADLINE = Duration.ofSeconds(6);
    private static final Duration BETWEEN_NEW_ROOMS = Duration.ofSeconds(7);
    // More than the page brings on entering a room (50) plus one archiver page (50): scrolling
    // back has to load older history at least once, whatever the page loaded by itself.
    private static final int HISTORY_MESSAGES = 150;
    private static final int HISTORY_ON_ENTRY = 50;
    private static final String DAVE = "dave";
    private static final String ERIN = "erin";
    // Read before leaving the room, then more than HISTORY_ON_ENTRY unread (twice).
    private static final int READ_BEFORE = 3;
    private static final int UNREAD_BATCH = 60;
    private static final Duration METRICS_TIMEOUT = Duration.ofSeconds(60);
    private static final List<String> CHAT_CHARTS =
            List.of(
                    "chart-messages",
                    "chart-deliveries",
                    "chart-connections",
                    "chart-latency",
                    "chart-redis");
    private static final String PAYLOAD =
            "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>";
    private static final int MESSAGES_DURING_FAILOVER = 5;
    private static final int MESSAGES_AFTER_FAILOVER = 5;
    private static final int MESSAGES_BEFORE_OUTAGE = 5;
    // The contract's minimum: a page away for longer than 1,000 messages must fill from the
    // archive.
    private static final int WINDOW_SIZE = 1000;
    // Three times the chat servers' window: the page must fill 2,000 seqs from the archive.
    private static final int MESSAGES_DURING_OUTAGE = 3 * WINDOW_SIZE;
    // The chat-apps' default per-user send limit.
    private static final int RATE_LIMIT_PER_SECOND = 20;
    private static final int RATE_LIMIT_BURST = 40;
    // Below the per-user limit, so nothing is refused; 6 users send 3,000 in ~30 s.
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

    /** Per series of a chart: what Chart.js holds (points, the highest value) and the legend. */
    private static final String CHART_SERIES =
            """
            const figure = document.getElementById(arguments[0]);
            const chart = Chart.getChart(figure.querySelector('canvas'));
            const result = {};
            for (const item of figure.querySelectorAll('[data-testid=chart-series]')) {
              const data = chart.data.datasets.find(d => d.label === item.dataset.series).data;
              const values = data.map(p => p.y).filter(y => y !== null);
              result[item.dataset.series] = {
                state: item.dataset.state,
                points: values.length,
                max: values.length ? Math.max(...values) : -1,
                lastX: Number(item.dataset.lastX || 0),
                latest: item.querySelector('[data-testid=series-latest]').textContent,
              };
            }
            return result;
            """;

    private static final String STOPPED_SOURCES =
            "return [...document.querySelectorAll('#metrics-stopped:not([hidden])"
                    + " [data-testid=stopped-source]')].map(li => li.dataset.source);";

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
    private Cluster cluster;
    private Browser alice;
    private Browser bob;
    private Browser dashboard;

    @BeforeAll
    void start() {
        if (BrowserTestsRunnable.problem() != null) {
            return; // each test is reported as skipped, with the reason
        }
        // One coordinator serving the page, two chat-apps, an archiver.
        cluster =
                Cluster.start(
                        new Cluster.Options(
                                1,
                                2,
                                RATE_LIMIT_PER_SECOND,
                                RATE_LIMIT_BURST,
                                /* servesPage= */ true,
                                // Generous for a loaded machine: a start-up timeout is not under
                                // test.
                                List.of(
                                        "--spring.data.redis.timeout=10s",
                                        "--spring.data.redis.connect-timeout=10s"),
                                List.of("--chatroom.window-size=" + WINDOW_SIZE)));
        alice = openBrowser(ALICE);
        bob = openBrowser(BOB);
    }

    private Browser openBrowser(String name) {
        return openBrowser(name, pageUrl("/"));
    }

    /** A page the coordinator serves; its origin is one that every app allows. */
    private String pageUrl(String path) {
        return cluster.coordinatorUrls().get(0) + path;
    }

    private Browser openBrowser(String name, String url) {
        Browser browser = Browser.open(name, url);
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
        ChatServerInfo other = cluster.otherChatServer(bob.token(), alice.serverId());
        log.info(
                "bob was assigned {}, alice {}; bob uses {}",
                bob.serverId(),
                alice.serverId(),
                other);
        bob.useChatServer(other.id(), other.httpUrl(), other.wsUrl());
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
                .pollInterval(POLL)
                .until(() -> alice.roomList().contains(ROOM));
        for (Browser browser : List.of(alice, bob)) {
            // No failed request (e.g. CORS, a 404), no script error.
            assertThat(browser.consoleErrors()).as(browser.name()).isEmpty();
        }
        dashboard = openBrowser("dashboard", pageUrl("/dashboard.html"));
        await("dashboard lists two live servers with one connection each")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(
                        () ->
                                dashboardServers(dashboard).equals("chat-1=1,chat-2=1")
                                        && "up".equals(dashboard.js(ARCHIVER_STATE))
                                        && !"0".equals(String.valueOf(dashboard.js(ROOM_ROWS))));
        assertThat(dashboard.consoleErrors()).isEmpty();
    }

    /**
     * The dashboard charts the last minutes from the apps' own meters, live: while one client per
     * chat server sends into a shared room, each server's messages/s, deliveries/s, connections,
     * p99 delivery latency and Redis round trip, and the archiver's lag and rate, have data, and
     * every source reports.
     */
    @Test
    void b_dashboardChartsEveryServersMetersLive() throws Exception {
        assumeEarlierScenariosPassed();
        List<ChatClient> senders = new ArrayList<>();
        try {
            for (Browser user : List.of(alice, bob)) {
                ChatClient sender =
                        new ChatClient(cluster.coordinatorUrls(), user.name(), PASSWORD);
                sender.login();
                sender.join(TRAFFIC_ROOM);
                sender.connect(cluster.chatServerInfo(user.serverId()));
                senders.add(sender);
            }
            Traffic.start(senders, new Traffic.Plan(TRAFFIC_MESSAGES, TRAFFIC_RATE, 0))
                    .awaitAllAcked(TRAFFIC_TIMEOUT);
        } finally {
            SystemTestSupport.closeAll(senders);
        }
        await("every chart has data from both chat servers and the archiver")
                .atMost(METRICS_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(
                        () -> {
                            for (String chart : CHAT_CHARTS) {
                                Map<String, Map<String, Object>> series =
                                        chartSeries(dashboard, chart);
                                assertThat(series).as(chart).containsOnlyKeys("chat-1", "chat-2");
                                series.forEach(
                                        (id, one) -> {
                                            assertThat(one.get("state"))
                                                    .as(chart + " " + id)
                                                    .isEqualTo("reporting");
                                            assertThat(((Number) one.get("max")).doubleValue())
                                                    .as(chart + " " + id + " highest value")
                                                    .isPositive();
                                        });
                            }
                            Map<String, Map<String, Object>> archive =
                                    chartSeries(dashboard, "chart-archive");
                            assertThat(archive).hasSize(2); // lag and rate of one archiver
                            archive.forEach(
                                    (id, one) ->
                                            assertThat(one.get("state"))
                                                    .as(id)
                                                    .isEqualTo("reporting"));
                            assertThat(
                                            archive.entrySet().stream()
                                                    .filter(e -> e.getKey().endsWith(" rate"))
                                                    .mapToDouble(
                                                            e ->
                                                                    ((Number)
                                                                                    e.getValue()
                                                                                            .get(
                                                                                                    "max"))
                                                                            .doubleValue())
                                                    .max()
                                                    .orElse(-1))
                                    .as("archive rate")
                                    .isPositive();
                        });
        assertThat((List<?>) dashboard.js(STOPPED_SOURCES)).isEmpty();
        assertThat(dashboard.consoleErrors()).isEmpty();
        // The traffic is over: both servers' messages/s go back to 0 (the screenshot shows the
        // rise and the fall).
        await("messages/s back to 0 on both servers")
                .atMost(METRICS_TIMEOUT)
                .pollInterval(POLL)
                .until(
                        () ->
                                chartSeries(dashboard, "chart-messages").values().stream()
                                        .allMatch(one -> "0.0/s".equals(one.get("latest"))));
        dashboard.fullPageScreenshot(screenshotsDir().resolve("dashboard.png"));
    }

    @Test
    void c_htmlPayloadShowsAsTextAndRunsNothing() {
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

    /**
     * Unread counts per joined room follow messages live, leave out one's own, survive a reload
     * (history arriving again is not new), and returning to a room puts the "New messages" divider
     * above the first message that came meanwhile.
     */
    @Test
    void d_unreadCountsAndTheNewMessagesDividerWhenReturningToARoom() {
        assumeEarlierScenariosPassed();
        long lastSeen = lastOf(alice.seqs());
        alice.join(SECOND_ROOM);
        bob.join(SECOND_ROOM);
        bob.showRoom(ROOM);
        List<String> meanwhile =
                List.of("Alice, are you there?", "The fail-over test is next.", "Ping me back.");
        for (String text : meanwhile) {
            sendAndAwaitOwn(bob, text);
        }
        await("alice's #" + ROOM + " counts 3 unread")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(() -> alice.unreadCount(ROOM) == meanwhile.size());
        assertThat(alice.unreadCount(SECOND_ROOM)).isZero();
        assertThat(alice.title()).isEqualTo("(3) Chatroom");
        assertThat(bob.unreadCount(ROOM)).as("own messages are not unread").isZero();
        assertThat(bob.unreadCount(SECOND_ROOM)).isZero();

        // A reload re-subscribes every room with history: still exactly the 3 new ones.
        alice.reload();
        await("alice's #" + ROOM + " still counts 3 unread after a reload")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(() -> alice.unreadCount(ROOM) == meanwhile.size());
        assertThat(alice.js("return document.getElementById('room-title').textContent;"))
                .isEqualTo("#" + SECOND_ROOM);

        alice.showRoom(ROOM);
        Browser.UnreadDivider divider = alice.unreadDivider();
        assertThat(divider).as("the New messages divider").isNotNull();
        assertThat(divider.afterSeq()).isEqualTo(lastSeen);
        assertThat(divider.nextSeq()).isEqualTo(lastSeen + 1);
        assertThat(alice.textOf(divider.nextSeq())).isEqualTo(meanwhile.get(0));
        assertThat(alice.unreadCount(ROOM)).isZero();
        assertThat(alice.title()).isEqualTo("Chatroom");

        // Meanwhile in the other room: its own count, while alice reads #general.
        bob.showRoom(SECOND_ROOM);
        sendAndAwaitOwn(bob, "Anyone in #random?");
        bob.showRoom(ROOM);
        await("alice's #" + SECOND_ROOM + " counts 1 unread")
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(() -> alice.unreadCount(SECOND_ROOM) == 1);
        assertThat(alice.unreadDivider())
                .as("the divider stays while the room is shown")
                .isNotNull();
        alice.screenshot(screenshotsDir().resolve("chat.png"));
        assertThat(alice.consoleErrors()).isEmpty();
    }

    /**
     * A room created elsewhere shows up in "All rooms" within seconds, without a click: within
     * {@link #PAGE_LIST_DEADLINE} of the archiver listing it, for two rooms listed {@link
     * #BETWEEN_NEW_ROOMS} apart. A page that polled every 15 s (as before) cannot pass both: one
     * refresh cannot serve two listings further apart than the deadline, and two refreshes are 15 s
     * apart.
     */
    @Test
    void e_roomListShowsANewRoomWithinSecondsWithoutAClick() throws Exception {
        assumeEarlierScenariosPassed();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        try (ChatClient creator = new ChatClient(cluster.coordinatorUrls(), BOB, PASSWORD)) {
            creator.loginAndConnect();
            long previousListed = 0;
            for (int i = 0; i < 2; i++) {
                String room = "new-" + tag + "-" + i;
                assertThat(alice.roomList()).doesNotContain(room);
                if (i > 0) {
                    long wait = BETWEEN_NEW_ROOMS.toNanos() - (System.nanoTime() - previousListed);
                    Thread.sleep(Math.max(0, wait / 1_000_000));
                }
                creator.join(room);
                creator.send(room, "The first message of a new room");
                await("the new room's first message acked")
                        .atMost(TIMEOUT)
                        .pollInterval(POLL)
                        .until(() -> creator.unackedCount() == 0);
                long acked = System.nanoTime();
                await("the archiver lists " + room)
                        .atMost(NEW_ROOM_DEADLINE)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> archiverRooms().contains(room));
                long listed = System.nanoTime();
                previousListed = listed;
                for (Browser browser : List.of(alice, bob)) {
                    await(browser.name() + "'s room list shows " + room)
                            .atMost(
                                    Duration.ofNanos(
                                            Math.max(
                                                    1_000_000,
                                                    PAGE_LIST_DEADLINE.toNanos()
                                                            - (System.nanoTime() - listed))))
                            .pollInterval(POLL)
                            .until(() -> browser.roomList().contains(room));
                }
                log.info(
                        "New room {} listed by the archiver {} ms after its first message was"
                                + " acked, on both pages {} ms after that",
                        room,
                        Duration.ofNanos(listed - acked).toMillis(),
                        Duration.ofNanos(System.nanoTime() - listed).toMillis());
            }
        }
    }

    /** The rooms the archiver's {@code GET /api/rooms} lists (what the pages poll). */
    private List<String> archiverRooms() throws java.io.IOException {
        Rest.Response response = Rest.get(cluster.archiver().baseUrl() + "/api/rooms", Map.of());
        assertThat(response.status()).isEqualTo(200);
        List<String> rooms = new ArrayList<>();
        response.json().forEach(info -> rooms.add(info.get("room").asString()));
        return rooms;
    }

    /**
     * axe-core finds no serious or critical accessibility violation on the login page, on the chat
     * page (two rooms, unread badge, the divider) or on the dashboard with its charts.
     */
    @Test
    void f_noSeriousOrCriticalAccessibilityViolationsOnAnyPage() {
        assumeEarlierScenariosPassed();
        Map<String, List<Axe.Violation>> blocking = new java.util.LinkedHashMap<>();
        try (Browser visitor = Browser.open("visitor", pageUrl("/"))) {
            visitor.awaitView("auth");
            blocking.put("login page", checkAccessibility(visitor, "login page"));
        }
        assertThat(alice.view()).isEqualTo("chat");
        blocking.put("chat page", checkAccessibility(alice, "chat page"));
        await("dashboard charts drawn")
                .atMost(METRICS_TIMEOUT)
                .pollInterval(POLL)
                .until(() -> !chartSeries(dashboard, "chart-connections").isEmpty());
        blocking.put("dashboard", checkAccessibility(dashboard, "dashboard"));
        assertThat(blocking)
                .as("serious or critical axe violations per page")
                .allSatisfy((page, violations) -> assertThat(violations).as(page).isEmpty());
    }

    private static List<Axe.Violation> checkAccessibility(Browser browser, String page) {
        List<Axe.Violation> violations = Axe.run(browser);
        log.info("axe on the {}: {}", page, violations.isEmpty() ? "no violation" : violations);
        return violations.stream().filter(Axe.Violation::blocking).toList();
    }

    @Test
    void g_killedServerFailsOverAndShowsEveryMessageOnce() {
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

        // The dashboard keeps working: the killed server's lines stop and the page says so.
        await("the dashboard says " + victim + " stopped")
                .atMost(METRICS_TIMEOUT)
                .pollInterval(POLL)
                .until(() -> List.of(victim).equals(dashboard.js(STOPPED_SOURCES)));
        Map<String, Map<String, Object>> connections = chartSeries(dashboard, "chart-connections");
        assertThat(connections.get(victim).get("state")).isEqualTo("stopped");
        assertThat(connections.get(survivor).get("state")).isEqualTo("reporting");
        long victimLast = ((Number) connections.get(victim).get("lastX")).longValue();
        long survivorLast = ((Number) connections.get(survivor).get("lastX")).longValue();
        await(survivor + "'s line goes on, " + victim + "'s does not")
                .atMost(METRICS_TIMEOUT)
                .pollInterval(POLL)
                .until(
                        () -> {
                            Map<String, Map<String, Object>> now =
                                    chartSeries(dashboard, "chart-connections");
                            return ((Number) now.get(survivor).get("lastX")).longValue()
                                            > survivorLast
                                    && ((Number) now.get(victim).get("lastX")).longValue()
                                            == victimLast;
                        });
        assertThat(dashboardServers(dashboard)).startsWith(survivor + "=");
        dashboard.fullPageScreenshot(screenshotsDir().resolve("dashboard-server-down.png"));
        // The notice and the "stopped" marks are new on the page: axe checks them too.
        assertThat(checkAccessibility(dashboard, "dashboard with a stopped chat server"))
                .as("serious or critical axe violations")
                .isEmpty();
    }

    @Test
    void h_logoutReturnsToLoginAndClosesTheSocket() {
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
    void i_pageAwayLongerThanTheWindowFillsEveryMissedMessageFromTheArchive() throws Exception {
        String room = SystemTestSupport.rooms("backlog", 1).get(0);
        List<ChatClient> senders = new ArrayList<>();
        Browser carol = openBrowser(CAROL);
        AutoCloseable lease = null;
        try {
            carol.register(CAROL, PASSWORD);
            carol.join(room);
            for (int i = 0; i < SENDERS; i++) {
                ChatClient sender = ChatClient.registerNew(cluster.coordinatorUrls(), "sender");
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

    /**
     * Older history on scroll, and the "New messages" divider on coming back to a room without a
     * reload: dave enters a room with more history than the page brings on entry, goes to another
     * room, comes back after two new messages to the divider above them, and turning the mouse
     * wheel up over the messages loads the older ones from the archiver (above the divider, keeping
     * what he was reading in view) down to the start of the room.
     */
    @Test
    void j_olderHistoryLoadsOnScrollAndTheDividerMarksWhatCameMeanwhile() throws Exception {
        List<String> rooms = SystemTestSupport.rooms("history", 2);
        String room = rooms.get(0);
        String elsewhere = rooms.get(1);
        Browser dave = openBrowser(DAVE);
        try (ChatClient writer = ChatClient.registerNew(cluster.coordinatorUrls(), "writer")) {
            writer.join(room);
            writer.loginAndConnect();
            Traffic.start(List.of(writer), new Traffic.Plan(HISTORY_MESSAGES, 15, 0))
                    .awaitAllAcked(TRAFFIC_TIMEOUT);
            dave.register(DAVE, PASSWORD);
            dave.join(room);
            // Entering brings the latest messages from the chat server; the page may fetch one
            // page more from the archiver by itself only if they do not fill the view.
            await("dave shows the latest " + HISTORY_ON_ENTRY + " messages")
                    .atMost(TIMEOUT)
                    .pollInterval(POLL)
                    .until(
                            () -> {
                                List<Long> shown = dave.seqs();
                                return shown.size() >= HISTORY_ON_ENTRY
                                        && lastOf(shown) == HISTORY_MESSAGES;
                            });
            dave.join(elsewhere);
            List<String> meanwhile = List.of("Dave, look at this.", "And this.");
            for (String text : meanwhile) {
                writer.send(room, text);
            }
            await("dave's #" + room + " counts 2 unread")
                    .atMost(TIMEOUT)
                    .pollInterval(POLL)
                    .until(() -> dave.unreadCount(room) == meanwhile.size());
            long total = HISTORY_MESSAGES + meanwhile.size();

            dave.showRoom(room);
            Browser.UnreadDivider divider = dave.unreadDivider();
            assertThat(divider).as("the New messages divider").isNotNull();
            assertThat(divider.afterSeq()).isEqualTo(HISTORY_MESSAGES);
            assertThat(divider.nextSeq()).isEqualTo(HISTORY_MESSAGES + 1);
            assertThat(dave.textOf(divider.nextSeq())).isEqualTo(meanwhile.get(0));
            assertThat(dave.unreadCount(room)).isZero();

            // Nothing loads older history but scrolling (or the button, not clicked here).
            long lowest = dave.seqs().get(0);
            assertThat(lowest).as("older history left to load").isGreaterThan(1);
            Thread.sleep(2000);
            assertThat(dave.seqs().get(0)).as("lowest seq before scrolling").isEqualTo(lowest);

            dave.scrollMessagesUp();
            await("scrolling up loads messages before seq " + lowest)
                    .atMost(TIMEOUT)
                    .pollInterval(POLL)
                    .until(() -> dave.seqs().get(0) < lowest);
            assertThat(dave.seqInView(lowest))
                    .as("seq %d, at the top before, is still in view", lowest)
                    .isTrue();
            await("scrolling up reaches the start of the room")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            () -> {
                                dave.scrollMessagesUp();
                                return dave.seqs().get(0) == 1
                                        && "This is the start of the room."
                                                .equals(dave.historyStatus());
                            });
            assertThat(dave.seqs()).isEqualTo(seqs(1, total));
            assertThat(dave.unreadDivider())
                    .as("older history goes above the divider")
                    .isEqualTo(new Browser.UnreadDivider(HISTORY_MESSAGES, HISTORY_MESSAGES + 1));
            assertThat(dave.consoleErrors()).isEmpty();
        } finally {
            openBrowsers.remove(dave);
            dave.close();
        }
    }

    /**
     * Unread counts after a reload count every message above the saved read mark, not only the 50
     * the re-subscription brings as history: erin reads a room, goes to another, and {@link
     * #UNREAD_BATCH} messages arrive while the page is open, then as many again while it is away
     * (on the dashboard) together with two of her own from another session of hers. Each time the
     * badge shows the exact number, her own ones left out; back in the room the divider sits right
     * after what she had read once older history is loaded.
     */
    @Test
    void k_unreadCountAfterAReloadCountsMoreThanTheHistoryTheRoomBrings() throws Exception {
        List<String> rooms = SystemTestSupport.rooms("unread", 2);
        String room = rooms.get(0);
        String elsewhere = rooms.get(1);
        Browser erin = openBrowser(ERIN);
        ChatClient otherTab = null;
        try (ChatClient writer = ChatClient.registerNew(cluster.coordinatorUrls(), "writer")) {
            writer.join(room);
            writer.loginAndConnect();
            sendAcked(writer, READ_BEFORE);
            erin.register(ERIN, PASSWORD);
            erin.join(room);
            awaitSeqs(erin, seqs(1, READ_BEFORE));
            erin.join(elsewhere); // #room is read up to READ_BEFORE

            sendAcked(writer, UNREAD_BATCH);
            awaitUnread(erin, room, UNREAD_BATCH, "live");
            erin.reload();
            awaitUnread(erin, room, UNREAD_BATCH, "after a reload");
            assertThat(erin.title()).isEqualTo("(" + UNREAD_BATCH + ") Chatroom");

            // Away from the page: more than the history again, and two of her own from elsewhere.
            erin.get(pageUrl("/dashboard.html"));
            otherTab = new ChatClient(cluster.coordinatorUrls(), ERIN, PASSWORD);
            otherTab.join(room);
            otherTab.loginAndConnect();
            sendAcked(writer, UNREAD_BATCH);
            sendAcked(otherTab, 2);
            sendAcked(writer, 5);
            long total = READ_BEFORE + 2L * UNREAD_BATCH + 2 + 5;
            int unread = 2 * UNREAD_BATCH + 5;
            erin.get(pageUrl("/"));
            erin.awaitView("chat");
            erin.awaitConnected();
            awaitUnread(erin, room, unread, "after coming back to the page");
            assertThat(erin.title()).isEqualTo("(" + unread + ") Chatroom");

            erin.showRoom(room);
            assertThat(erin.unreadCount(room)).isZero();
            assertThat(erin.title()).isEqualTo("Chatroom");
            Browser.UnreadDivider divider = erin.unreadDivider();
            assertThat(divider).as("the New messages divider").isNotNull();
            assertThat(divider.afterSeq()).isEqualTo(READ_BEFORE);
            // The divider is at the top of the view (nothing to scroll up to): the button loads
            // the unread messages the page did not hold, then scrolling or the button the read
            // ones, to the start. The button may hide (loading) between the check and the click.
            await("\"Load older messages\" loads the room down to its start")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreException(ElementClickInterceptedException.class)
                    .ignoreException(ElementNotInteractableException.class)
                    .until(
                            () -> {
                                erin.scrollMessagesUp();
                                if (erin.displayed("load-older-button")) {
                                    erin.click("load-older-button");
                                }
                                return erin.seqs().get(0) == 1;
                            });
            assertThat(erin.seqs()).isEqualTo(seqs(1, total));
            assertThat(erin.unreadDivider())
                    .as("the divider right after what erin had read")
                    .isEqualTo(new Browser.UnreadDivider(READ_BEFORE, READ_BEFORE + 1));
            assertThat(erin.consoleErrors()).isEmpty();
        } catch (AssertionError | RuntimeException e) {
            // The watcher dumps the pages still open; this one closes before it runs.
            erin.dump(SystemTestPaths.targetDir().resolve("browser-failures"), "k");
            throw e;
        } finally {
            if (otherTab != null) {
                otherTab.close();
            }
            openBrowsers.remove(erin);
            erin.close();
        }
    }

    /** Sends {@code count} messages from the client to its room and waits for their acks. */
    private static void sendAcked(ChatClient client, int count) {
        Traffic.start(List.of(client), new Traffic.Plan(count, 15, 0))
                .awaitAllAcked(TRAFFIC_TIMEOUT);
    }

    private static void awaitUnread(Browser browser, String room, int expected, String when) {
        await(browser.name() + "'s #" + room + " counts " + expected + " unread " + when)
                .atMost(TIMEOUT)
                .pollInterval(POLL)
                .until(() -> browser.unreadCount(room), equalTo(expected));
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

    /** A chart's series by label: {@code state}, {@code points}, {@code max}, {@code lastX}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> chartSeries(Browser dashboard, String chart) {
        return (Map<String, Map<String, Object>>) dashboard.js(CHART_SERIES, chart);
    }

    private static long lastOf(List<Long> seqs) {
        return seqs.get(seqs.size() - 1);
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
