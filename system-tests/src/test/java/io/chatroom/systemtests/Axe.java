package io.chatroom.systemtests;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * axe-core (Deque's {@code axe.min.js}, from the {@code com.deque.html.axe-core:selenium} jar) run
 * inside a page: the accessibility violations of what the page shows now, WCAG 2.x A/AA and best
 * practices, as axe reports them.
 */
final class Axe {
    /** The impacts that fail a test: a page may have none of these. */
    static final Set<String> BLOCKING = Set.of("serious", "critical");

    private static final String RUN =
            """
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then(result => done(JSON.stringify(result.violations)))
              .catch(error => done(JSON.stringify({ error: String(error) })));
            """;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static volatile String source;

    /** One rule a page breaks, with the elements (CSS selectors) that break it. */
    record Violation(String id, String impact, String help, List<String> targets) {
        boolean blocking() {
            return BLOCKING.contains(impact);
        }

        @Override
        public String toString() {
            return impact + " " + id + " (" + help + "): " + targets;
        }
    }

    private Axe() {}

    private static String source() {
        String current = source;
        if (current == null) {
            try (InputStream in = Axe.class.getResourceAsStream("/axe.min.js")) {
                if (in == null) {
                    throw new IllegalStateException(
                            "axe.min.js not on the classpath (com.deque.html.axe-core:selenium)");
                }
                current = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            source = current;
        }
        return current;
    }

    /** Injects axe into the page (once per page load) and runs it on the whole document. */
    static List<Violation> run(Browser browser) {
        browser.js("if (!window.axe) { " + source() + "\n}");
        Object raw = browser.asyncJs(RUN);
        JsonNode result = JSON.readTree(String.valueOf(raw));
        if (result.isObject() && result.has("error")) {
            throw new IllegalStateException("axe failed: " + result.get("error").asString());
        }
        List<Violation> violations = new ArrayList<>();
        for (JsonNode violation : result) {
            List<String> targets = new ArrayList<>();
            for (JsonNode node : violation.get("nodes")) {
                targets.add(node.get("target").toString());
            }
            violations.add(
                    new Violation(
                            violation.get("id").asString(),
                            violation.path("impact").asString("none"),
                            violation.get("help").asString(),
                            targets));
        }
        return violations;
    }
}
