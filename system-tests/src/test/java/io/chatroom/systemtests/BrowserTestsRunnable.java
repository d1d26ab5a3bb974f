package io.chatroom.systemtests;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Disables each browser test, one by one and with the reason, when the cluster or the browser
 * cannot run here (fat jars not packaged, no redis-server, no Chromium or no chromedriver), so the
 * summary shows every one of them as skipped rather than an empty, green class. The class itself
 * stays enabled: its {@code @BeforeAll} must check {@link #problem()} and start nothing.
 */
final class BrowserTestsRunnable implements ExecutionCondition {
    private static final Logger log = LoggerFactory.getLogger(BrowserTestsRunnable.class);

    /** Why the browser tests cannot run here, or {@code null} when they can. */
    static String problem() {
        List<String> problems = new ArrayList<>();
        List<Path> missingJars = SystemTestPaths.missingJars();
        if (!missingJars.isEmpty()) {
            problems.add(
                    "fat jars missing: "
                            + missingJars
                            + " (package first: ./mvnw -B -DskipTests package)");
        }
        if (!Browser.available()) {
            problems.add(
                    "not installed: " + Browser.missingBinaries() + "; " + Browser.installHint());
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String problem = problem();
        if (problem == null) {
            return ConditionEvaluationResult.enabled("cluster and browser available");
        }
        if (context.getTestMethod().isEmpty()) {
            log.error("\n\n*** BROWSER TESTS SKIPPED, each of them: {}\n", problem);
            return ConditionEvaluationResult.enabled("each test reports the skip itself");
        }
        return ConditionEvaluationResult.disabled("BROWSER TEST SKIPPED: " + problem);
    }
}
