package io.chatroom.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web UI in headless Chromium against a cluster of real processes (one coordinator serving the
 * page, two chat-apps, an archiver): two users in two browser sessions on two different chat
 * servers, an HTML payload, a killed chat server, and logout. The scenarios build on each other
 * (same users and room), so they run in name order. Screenshots of the chat page and the dashboard
 * go to {@code -Dscreenshots.dir} (or env {@code SCREENSHOTS_DIR}), default {@code
 * target/screenshots}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class)
class BrowserSystemTests {
    private static final Logger log = LoggerFactory.getLogger(BrowserSystemTests.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final String PASSWORD = "correct-horse-battery";
    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String ROOM = "general";
    private static final String PAYLOAD =
            "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>";
    private static final int MESSAGES_DURING_FAILOVER = 5;
    private static final int MESSAGES_AFTER_FAILOVER = 5;
    private static final String ARCHIVER_STATE =
            "return document.getElementById('archiver-state').dataset.state;";
    private static final String ROOM_ROWS =
            "return document.querySelectorAll('#rooms-body tr[data-testid=dashboard-room-row]')"
                    + ".length;";

    /** On a failure, keeps what each page showed (target/browser-failures). */
    @RegisterExtension
    final TestWatcher dumpOnFailure =
            new TestWatcher() {
                @Override
                public void testFailed(ExtensionContext context, Throwable cause) {
                    Path dir = SystemTestPaths.targetDir().resolve("browser-failures");
                    String label = context.getRequiredTestMethod().getName();
                    for (Browser browser : new Browser[] {alice, bob}) {
                        if (browser != null) {
                            browser.dump(dir, label);
                        }
                    }
                }
            };

    private BrowserCluster cluster;
    private Browser alice;
    private Browser bob;

    @BeforeAll
    void start() {
        SystemTestSupport.assumeRunnable();
        if (!Browser.available()) {
            log.warn(
                    "\n\n*** BROWSER TESTS SKIPPED: Chromium or its driver is not installed.\n"
                            + "*** Install them: {}\n",
                    Browser.installHint());
        }
        Assumptions.assumeTrue(Browser.available(), "chromium/chromedriver missing");
        cluster = BrowserCluster.start();
        alice = Browser.open(ALICE, cluster.uiUrl());
        bob = Browser.open(BOB, cluster.uiUrl());
    }

    @AfterAll
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {alice, bob, cluster}) {
            if (closeable != null) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    log.warn("Could not close {}: {}", closeable, e.toString());
                }
            }
        }
    }

    @Test
    void a_twoUsersOnTwoServersSeeTheSameConversation() {
        alice.register(ALICE, PASSWORD);
        bob.register(BOB, PASSWORD);
        // Least connections: the second login goes to the server the first one did not get.
        assertThat(Set.of(alice.serverId(), bob.serverId()))
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

    /** Both pages show the same {@code count} messages, same seqs, strictly increasing. */
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
        List<Long> seqs = alice.messages().stream().map(Browser.Message::seq).toList();
        for (int i = 1; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).isGreaterThan(seqs.get(i - 1));
        }
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
