package io.chatroom.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * Runs the page's JavaScript unit tests ({@code src/test/js/*.test.mjs}) with Node's built-in
 * runner ({@code node --test}) and reports each JavaScript test as one JUnit test, so a failing one
 * fails {@code ./mvnw verify}. Without Node 20 or newer (on the PATH, or {@code -Dnode.binary=...})
 * every test file is reported as skipped, with the reason, never left out.
 */
class WebUiScriptTests {
    private static final System.Logger log = System.getLogger(WebUiScriptTests.class.getName());
    private static final int MIN_NODE_MAJOR = 20;
    private static final Duration NODE_TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern NODE_VERSION = Pattern.compile("v(\\d+)\\.");
    private static final String TEST_FILE_SUFFIX = ".test.mjs";

    @TestFactory
    Stream<DynamicNode> javaScriptUnitTests() throws IOException {
        Path moduleDir = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        List<Path> files = testFiles(moduleDir.resolve("src/test/js"));
        assertThat(files)
                .as("JavaScript tests in " + moduleDir.resolve("src/test/js"))
                .isNotEmpty();
        Path resultsDir = moduleDir.resolve("target/node-test-results");
        Files.createDirectories(resultsDir);
        String node = nodeBinary();
        String problem = nodeProblem(node);
        if (problem != null) {
            log.log(
                    System.Logger.Level.WARNING,
                    "\n\n*** WEB UI JAVASCRIPT TESTS SKIPPED: {0}\n*** Install Node.js {1}+"
                            + " (e.g. apt-get install -y nodejs) or pass -Dnode.binary=/path/to/node\n",
                    problem,
                    MIN_NODE_MAJOR);
            return files.stream().map(file -> skipped(file, problem));
        }
        return files.stream().map(file -> run(node, moduleDir, file, resultsDir));
    }

    private static List<Path> testFiles(Path dir) throws IOException {
        try (Stream<Path> paths = Files.list(dir)) {
            return paths.filter(p -> p.getFileName().toString().endsWith(TEST_FILE_SUFFIX))
                    .sorted()
                    .toList();
        }
    }

    /** {@code -Dnode.binary}, else the first {@code node} on the PATH, else {@code null}. */
    private static String nodeBinary() {
        String configured = System.getProperty("node.binary", "");
        if (!configured.isBlank()) {
            return configured;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "node"))) {
                return Path.of(dir, "node").toString();
            }
        }
        return null;
    }

    /** Why this node cannot run the tests, or {@code null} when it can. */
    private static String nodeProblem(String node) {
        if (node == null) {
            return "no node on the PATH";
        }
        try {
            Result version = exec(List.of(node, "--version"), Path.of("."));
            Matcher matcher = NODE_VERSION.matcher(version.output());
            if (version.exitCode() != 0 || !matcher.lookingAt()) {
                return node + " --version answered: " + version.output().strip();
            }
            int major = Integer.parseInt(matcher.group(1));
            return major >= MIN_NODE_MAJOR
                    ? null
                    : node + " is " + version.output().strip() + ", older than " + MIN_NODE_MAJOR;
        } catch (IOException e) {
            return node + " does not run: " + e.getMessage();
        }
    }

    private static DynamicNode skipped(Path file, String problem) {
        return DynamicTest.dynamicTest(
                file.getFileName().toString(),
                file.toUri(),
                () -> Assumptions.abort("JavaScript tests not run: " + problem));
    }

    /** One node run per file: a container of its tests, then the run's exit code. */
    private static DynamicNode run(String node, Path moduleDir, Path file, Path resultsDir) {
        String name = file.getFileName().toString();
        Path report = resultsDir.resolve(name + ".xml");
        Result result;
        Element suites;
        try {
            Files.deleteIfExists(report);
            result =
                    exec(
                            List.of(
                                    node,
                                    "--test",
                                    "--test-reporter=spec",
                                    "--test-reporter-destination=stdout",
                                    "--test-reporter=junit",
                                    "--test-reporter-destination=" + report,
                                    moduleDir.relativize(file).toString()),
                            moduleDir);
            log.log(System.Logger.Level.INFO, "node --test {0}:\n{1}", name, result.output());
            suites = Files.exists(report) ? parse(report) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<DynamicNode> children = new ArrayList<>();
        if (suites != null) {
            children.addAll(nodes(suites, file));
        }
        children.add(
                DynamicTest.dynamicTest(
                        "node --test " + name + " exits with 0",
                        file.toUri(),
                        () -> {
                            assertThat(suites).as("JUnit report of " + name).isNotNull();
                            assertThat(countTestCases(suites))
                                    .as("tests found in " + name)
                                    .isPositive();
                            assertThat(result.exitCode())
                                    .as("node --test " + name + ":\n" + result.output())
                                    .isZero();
                        }));
        return DynamicContainer.dynamicContainer(name, file.toUri(), children.stream());
    }

    /** {@code <testcase>} becomes a test, {@code <testsuite>} (a describe block) a container. */
    private static List<DynamicNode> nodes(Element parent, Path file) {
        List<DynamicNode> nodes = new ArrayList<>();
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (!(child instanceof Element element)) {
                continue;
            }
            String name = element.getAttribute("name");
            if (element.getTagName().equals("testsuite")) {
                nodes.add(
                        DynamicContainer.dynamicContainer(
                                name, file.toUri(), nodes(element, file).stream()));
            } else if (element.getTagName().equals("testcase")) {
                Element failure = firstChild(element, "failure");
                Element skipped = firstChild(element, "skipped");
                nodes.add(
                        DynamicTest.dynamicTest(
                                name,
                                file.toUri(),
                                () -> {
                                    if (failure != null) {
                                        fail(
                                                failure.getAttribute("message")
                                                        + "\n"
                                                        + failure.getTextContent().strip());
                                    }
                                    if (skipped != null) {
                                        Assumptions.abort(
                                                "skipped in JavaScript: "
                                                        + skipped.getAttribute("message"));
                                    }
                                }));
            }
        }
        return nodes;
    }

    private static long countTestCases(Element element) {
        return element.getElementsByTagName("testcase").getLength();
    }

    private static Element firstChild(Element parent, String tag) {
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element && element.getTagName().equals(tag)) {
                return element;
            }
        }
        return null;
    }

    private static Element parse(Path report) throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            try (InputStream in = Files.newInputStream(report)) {
                return factory.newDocumentBuilder().parse(in).getDocumentElement();
            }
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("Unreadable JUnit report " + report, e);
        }
    }

    private record Result(int exitCode, String output) {}

    private static Result exec(List<String> command, Path dir) throws IOException {
        Path output = Files.createTempFile("node-", ".out");
        try {
            Process process =
                    new ProcessBuilder(command)
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(output.toFile())
                            .start();
            process.getOutputStream().close();
            if (!process.waitFor(NODE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(command + " did not finish within " + NODE_TIMEOUT);
            }
            return new Result(process.exitValue(), Files.readString(output));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while running " + command, e);
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
