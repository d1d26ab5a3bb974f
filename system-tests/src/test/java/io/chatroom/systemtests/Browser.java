package io.chatroom.systemtests;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.interactions.WheelInput;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One headless Chromium session (its own profile, so its own sessionStorage and sockets) driving
 * the web UI through the element ids and {@code data-testid} hooks documented in docs/api.md (web
 * UI selectors). Never downloads anything: the browser and driver are Debian's.
 */
final class Browser implements AutoCloseable {
    static final Duration UI_TIMEOUT = Duration.ofSeconds(60);
    private static final Logger log = LoggerFactory.getLogger(Browser.class);
    private static final Path CHROMIUM =
            Path.of(System.getProperty("browser.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("browser.chromedriver", "/usr/bin/chromedriver"));
    private static final Duration POLL = Duration.ofMillis(100);

    /**
     * Runs before any page script: keeps every WebSocket the page opens in {@code window.__sockets}
     * (so a test can see whether they are closed) and every connection state the indicator shows in
     * {@code window.__states}. While {@code window.__deadSocketUrl} is set, every new WebSocket
     * goes there instead (a port nobody listens on): the page's network to the chat servers is
     * down.
     */
    private static final String INSTRUMENTATION =
            """
            (() => {
              const Native = window.WebSocket;
              const sockets = [];
              window.__sockets = sockets;
              window.__deadSocketUrl = null;
              window.WebSocket = class extends Native {
                constructor(url, ...rest) {
                  super(window.__deadSocketUrl ?? url, ...rest);
                  sockets.push(this);
                }
              };
              window.__states = [];
              document.addEventListener('DOMContentLoaded', () => {
                const indicator = document.getElementById('connection-state');
                if (!indicator) {
                  return;
                }
                new MutationObserver(() => window.__states.push(indicator.dataset.state))
                  .observe(indicator, { attributes: true, attributeFilter: ['data-state'] });
              });
            })();
            """;

    /** A broadcast message as {@code #message-list} shows it. */
    record Message(long seq, String sender, String text, boolean own) {}

    private final String name;
    private final ChromeDriver driver;
    private final Path profileDir;

    private Browser(String name) {
        this.name = name;
        try {
            profileDir = Files.createTempDirectory("chromium-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profileDir,
                "--window-size=1280,900");
        ChromeDriverService service =
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(CHROMEDRIVER.toFile())
                        .usingAnyFreePort()
                        .build();
        driver = new ChromeDriver(service, options);
        driver.executeCdpCommand(
                "Page.addScriptToEvaluateOnNewDocument", Map.of("source", INSTRUMENTATION));
        driver.manage().timeouts().pageLoadTimeout(UI_TIMEOUT).scriptTimeout(UI_TIMEOUT);
        log.info("Browser {} started", name);
    }

    /** Whether Debian's chromium and chromium-driver are installed. */
    static boolean available() {
        return missingBinaries().isEmpty();
    }

    /** Which of the browser and its driver are not installed (not executable) here. */
    static List<Path> missingBinaries() {
        return java.util.stream.Stream.of(CHROMIUM, CHROMEDRIVER)
                .filter(binary -> !Files.isExecutable(binary))
                .toList();
    }

    static String installHint() {
        return "apt-get update && apt-get install -y chromium chromium-driver (expects "
                + CHROMIUM
                + " and "
                + CHROMEDRIVER
                + "; override with -Dbrowser.chromium / -Dbrowser.chromedriver)";
    }

    static Browser open(String name, String url) {
        // The driver path is set explicitly, so Selenium Manager has nothing to resolve.
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
        Browser browser = new Browser(name);
        browser.driver.get(url);
        return browser;
    }

    String name() {
        return name;
    }

    void get(String url) {
        driver.get(url);
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Runs a script that calls its last argument (a callback) with the result. */
    Object asyncJs(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    }

    /** The window's size in CSS pixels (what a screenshot shows). */
    void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** Reloads the page (as a user pressing F5) and waits until it is back in the chat. */
    void reload() {
        driver.navigate().refresh();
        awaitView("chat");
        awaitConnected();
    }

    String title() {
        return driver.getTitle();
    }

    String view() {
        return driver.findElement(By.tagName("body")).getDomAttribute("data-view");
    }

    void awaitView(String view) {
        await(name + " shows view " + view)
                .atMost(UI_TIMEOUT)
                .pollInterval(POLL)
                .until(() -> view.equals(view()));
    }

    /** Registers through the form ("Register and log in") and waits until connected. */
    void register(String username, String password) {
        awaitView("auth");
        type(By.id("register-username"), username);
        type(By.id("register-password"), password);
        driver.findElement(By.id("register-button")).click();
        awaitView("chat");
        awaitConnected();
    }

    void awaitConnected() {
        await(name + " connected to a chat server")
                .atMost(UI_TIMEOUT)
                .pollInterval(POLL)
                .until(() -> "connected".equals(connectionState()));
    }

    /** {@code #connection-state[data-state]}: connected, connecting, reconnecting or offline. */
    String connectionState() {
        return attribute("connection-state", "data-state");
    }

    String connectionText() {
        return driver.findElement(By.id("connection-state")).getText();
    }

    /** The chat server the page is on ({@code #connection-state[data-server-id]}). */
    String serverId() {
        return attribute("connection-state", "data-server-id");
    }

    /** Joins (or creates) a room through the form and waits until it is the shown room. */
    void join(String room) {
        type(By.id("room-input"), room);
        driver.findElement(By.id("join-button")).click();
        By shown =
                By.cssSelector(
                        "#joined-rooms [data-testid=joined-room][data-room='"
                                + room
                                + "'][aria-current=true]");
        await(name + " shows room " + room)
                .atMost(UI_TIMEOUT)
                .pollInterval(POLL)
                .until(
                        () ->
                                !driver.findElements(shown).isEmpty()
                                        && driver.findElement(By.id("composer-input")).isEnabled());
    }

    /**
     * Types the text into the composer (Shift+Enter for each line break) and presses Enter, as a
     * user does. ChromeDriver types only characters of the Basic Multilingual Plane.
     */
    void send(String text) {
        WebElement composer = driver.findElement(By.id("composer-input"));
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                composer.sendKeys(Keys.chord(Keys.SHIFT, Keys.ENTER));
            }
            composer.sendKeys(lines[i]);
        }
        composer.sendKeys(Keys.ENTER);
    }

    /**
     * Cuts the page off its chat servers, as a network outage would: its sockets close and every
     * new one goes to {@code 127.0.0.1:deadPort} (nothing listens there), so it keeps retrying.
     * REST calls (coordinator, archiver) still work.
     */
    void cutChatServers(int deadPort) {
        js(
                "window.__deadSocketUrl = 'ws://127.0.0.1:' + arguments[0] + '/ws';"
                        + " window.__sockets.forEach(s => s.close());",
                deadPort);
    }

    /**
     * Ends {@link #cutChatServers}: the browser's {@code online} event makes the page retry now.
     */
    void restoreChatServers() {
        js("window.__deadSocketUrl = null; window.dispatchEvent(new Event('online'));");
    }

    /** {@code #gap-status}: {@code data-state} and {@code data-missing}, and whether it shows. */
    record GapStatus(String state, long missing, boolean shown) {}

    GapStatus gapStatus() {
        WebElement status = driver.findElement(By.id("gap-status"));
        return new GapStatus(
                status.getDomAttribute("data-state"),
                Long.parseLong(status.getDomAttribute("data-missing")),
                status.isDisplayed());
    }

    /** The seqs of {@code #message-list}, top to bottom. */
    List<Long> seqs() {
        Object raw =
                js(
                        "return [...document.querySelectorAll("
                                + "'#message-list li[data-testid=message]')]"
                                + ".map(li => Number(li.dataset.seq));");
        return ((List<?>) raw).stream().map(n -> ((Number) n).longValue()).toList();
    }

    /** The login token the page keeps in sessionStorage ({@code chatroom.session}). */
    String token() {
        return String.valueOf(
                js("return JSON.parse(sessionStorage.getItem('chatroom.session')).token;"));
    }

    /**
     * Makes the page use another chat server: rewrites the server in its saved session and reloads,
     * as a reopened tab would, then waits until it is connected there.
     */
    void useChatServer(String id, String httpUrl, String wsUrl) {
        js(
                "const session = JSON.parse(sessionStorage.getItem('chatroom.session'));"
                        + " session.chatServer = {id: arguments[0], httpUrl: arguments[1],"
                        + " wsUrl: arguments[2]};"
                        + " sessionStorage.setItem('chatroom.session', JSON.stringify(session));",
                id,
                httpUrl,
                wsUrl);
        driver.navigate().refresh();
        awaitView("chat");
        await(name + " connected to " + id)
                .atMost(UI_TIMEOUT)
                .pollInterval(POLL)
                .until(() -> "connected".equals(connectionState()) && id.equals(serverId()));
    }

    /** Every broadcast message on screen, top to bottom. */
    List<Message> messages() {
        Object raw =
                js(
                        "return [...document.querySelectorAll("
                                + "'#message-list li[data-testid=message]')].map(li => ({"
                                + " seq: Number(li.dataset.seq), sender: li.dataset.sender,"
                                + " own: li.dataset.own === 'true',"
                                + " text: li.querySelector('[data-testid=message-text]')"
                                + ".textContent }));");
        List<Message> messages = new ArrayList<>();
        for (Object item : (List<?>) raw) {
            Map<?, ?> m = (Map<?, ?>) item;
            messages.add(
                    new Message(
                            ((Number) m.get("seq")).longValue(),
                            (String) m.get("sender"),
                            (String) m.get("text"),
                            Boolean.TRUE.equals(m.get("own"))));
        }
        return messages;
    }

    List<String> texts() {
        return messages().stream().map(Message::text).toList();
    }

    /** Own messages not yet broadcast back ({@code #pending-list}), by status. */
    List<String> pendingStatuses() {
        Object raw =
                js(
                        "return [...document.querySelectorAll("
                                + "'#pending-list li[data-testid=pending-message]')]"
                                + ".filter(li => !li.hidden).map(li => li.dataset.status);");
        return ((List<?>) raw).stream().map(String::valueOf).toList();
    }

    /** The users the presence panel lists for the shown room. */
    List<String> presence() {
        Object raw =
                js(
                        "return [...document.querySelectorAll("
                                + "'#presence-list li[data-testid=presence-user]')]"
                                + ".map(li => li.dataset.username);");
        return ((List<?>) raw).stream().map(String::valueOf).toList();
    }

    /** WebSockets the page opened that are not closed yet. */
    long openSockets() {
        return ((Number)
                        js(
                                "return window.__sockets.filter("
                                        + "s => s.readyState !== WebSocket.CLOSED).length;"))
                .longValue();
    }

    /** Every {@code data-state} the connection indicator went through since the page loaded. */
    List<String> stateHistory() {
        Object raw = js("return window.__states;");
        return ((List<?>) raw).stream().map(String::valueOf).toList();
    }

    /** The unread badge of a joined room: its count, 0 when it shows none. */
    int unreadCount(String room) {
        Object raw =
                js(
                        "const badge = document.querySelector("
                                + "`#joined-rooms [data-testid=joined-room][data-room='${arguments[0]}']"
                                + " [data-testid=unread-count]`);"
                                + " return badge ? Number(badge.dataset.count) : 0;",
                        room);
        return ((Number) raw).intValue();
    }

    /** Shows a joined room, as a click on it in "Your rooms" does. */
    void showRoom(String room) {
        driver.findElement(
                        By.cssSelector(
                                "#joined-rooms [data-testid=joined-room][data-room='"
                                        + room
                                        + "']"))
                .click();
        await(name + " shows room " + room)
                .atMost(UI_TIMEOUT)
                .pollInterval(POLL)
                .until(
                        () ->
                                ("#" + room)
                                        .equals(driver.findElement(By.id("room-title")).getText()));
    }

    /**
     * The "New messages" divider of the shown room: the last seq seen before it and the seq of the
     * message right below it; null when the room shows none.
     */
    record UnreadDivider(long afterSeq, long nextSeq) {}

    UnreadDivider unreadDivider() {
        Object raw =
                js(
                        "const divider = document.querySelector("
                                + "'#message-list [data-testid=unread-divider]');"
                                + " if (!divider) { return null; }"
                                + " const next = divider.nextElementSibling;"
                                + " return [Number(divider.dataset.afterSeq),"
                                + " next ? Number(next.dataset.seq) : -1];");
        if (raw == null) {
            return null;
        }
        List<?> values = (List<?>) raw;
        return new UnreadDivider(
                ((Number) values.get(0)).longValue(), ((Number) values.get(1)).longValue());
    }

    /**
     * Turns the mouse wheel up over the shown room's messages ({@code #message-scroll}), as a user
     * scrolling back does.
     */
    void scrollMessagesUp() {
        WebElement scroller = driver.findElement(By.id("message-scroll"));
        new Actions(driver)
                .scrollFromOrigin(WheelInput.ScrollOrigin.fromElement(scroller), 0, -100_000)
                .perform();
    }

    /** Whether the message with this seq is inside the visible part of {@code #message-scroll}. */
    boolean seqInView(long seq) {
        return Boolean.TRUE.equals(
                js(
                        "const li = document.querySelector("
                                + "`#message-list li[data-testid=message][data-seq='${arguments[0]}']`);"
                                + " if (!li) { return false; }"
                                + " const view = document.getElementById('message-scroll')"
                                + ".getBoundingClientRect();"
                                + " const box = li.getBoundingClientRect();"
                                + " return box.bottom > view.top && box.top < view.bottom;",
                        seq));
    }

    /** {@code #history-status}: where the shown room's history stands. */
    String historyStatus() {
        return driver.findElement(By.id("history-status")).getText();
    }

    /** The rooms the archiver's room list ("All rooms") shows. */
    List<String> roomList() {
        Object raw =
                js(
                        "return [...document.querySelectorAll("
                                + "'#room-list [data-testid=room-list-item]')]"
                                + ".map(item => item.dataset.room);");
        return ((List<?>) raw).stream().map(String::valueOf).toList();
    }

    void click(String id) {
        driver.findElement(By.id(id)).click();
    }

    /** Console errors since the last call (Chromium reports failed requests and CORS here). */
    List<String> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .toList();
    }

    void logout() {
        driver.findElement(By.id("logout-button")).click();
    }

    String authMessage() {
        return driver.findElement(By.id("auth-message")).getText();
    }

    boolean displayed(String id) {
        return driver.findElement(By.id(id)).isDisplayed();
    }

    /** The text of the message with this seq in the shown room, or null. */
    String textOf(long seq) {
        return (String)
                js(
                        "const li = document.querySelector("
                                + "`#message-list li[data-testid=message][data-seq='${arguments[0]}']`);"
                                + " return li ? li.querySelector('[data-testid=message-text]')"
                                + ".textContent : null;",
                        seq);
    }

    /**
     * Saves a PNG of the whole page: the window grows to the page's height for the shot, then
     * returns to its size.
     */
    void fullPageScreenshot(Path file) {
        Dimension before = driver.manage().window().getSize();
        long chrome = ((Number) js("return window.outerHeight - window.innerHeight;")).longValue();
        // The pages scroll inside <main>, so the document alone is only as tall as the window.
        long height =
                ((Number)
                                js(
                                        "const main = document.querySelector('main');"
                                                + " return Math.ceil(Math.max("
                                                + "document.documentElement.scrollHeight,"
                                                + " main.getBoundingClientRect().top"
                                                + " + main.scrollHeight));"))
                        .longValue();
        resize(before.getWidth(), (int) (height + chrome));
        try {
            // Let the page (and Chart.js's resize observer) lay out and paint at the new size.
            asyncJs(
                    "const done = arguments[arguments.length - 1];"
                            + " requestAnimationFrame(() => requestAnimationFrame(() => done()));");
            screenshot(file);
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    /** Saves a PNG of the viewport. */
    void screenshot(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path png = driver.getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(png, file, StandardCopyOption.REPLACE_EXISTING);
            log.info("Screenshot of {} saved to {}", name, file.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** After a failure: a screenshot, the page's HTML and its console output under {@code dir}. */
    void dump(Path dir, String label) {
        try {
            Files.createDirectories(dir);
            screenshot(dir.resolve(label + "-" + name + ".png"));
            Files.writeString(dir.resolve(label + "-" + name + ".html"), driver.getPageSource());
            StringBuilder console = new StringBuilder();
            for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
                console.append(entry).append(System.lineSeparator());
            }
            Files.writeString(dir.resolve(label + "-" + name + ".console.txt"), console);
            log.warn("Browser {} dumped to {}", name, dir.toAbsolutePath());
        } catch (IOException | RuntimeException e) {
            log.warn("Could not dump browser {}: {}", name, e.toString());
        }
    }

    private void type(By locator, String text) {
        WebElement input = driver.findElement(locator);
        input.clear();
        input.sendKeys(text);
    }

    private String attribute(String id, String attribute) {
        return driver.findElement(By.id(id)).getDomAttribute(attribute);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } catch (RuntimeException e) {
            log.warn("Browser {} did not quit cleanly: {}", name, e.toString());
        }
        try (var files = Files.walk(profileDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.debug("Could not delete {}: {}", profileDir, e.toString());
        }
    }
}
