package io.chatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI smoke run of the load generator against a running cluster: 200 messages to 5 clients,
 * asserting correctness counts only (no timing). Runs only with {@code
 * -Dbench.coordinator=http://localhost:8080}; the bench does not start the apps itself.
 */
class BenchSmokeIntegrationTests {

    @Test
    void smokeRunDeliversEveryMessageOnceInOrder(@TempDir Path results) {
        String coordinator = System.getProperty("bench.coordinator", "");
        assumeTrue(
                !coordinator.isBlank(),
                "skipped: no cluster given; run with -Dbench.coordinator=http://localhost:8080");

        int exit =
                BenchMain.run(
                        List.of(
                                "smoke",
                                "--coordinator",
                                coordinator,
                                "--results",
                                results.toString()));

        assertThat(exit).as("exit code of the smoke run (0 = no loss, dup or reorder)").isZero();
        assertThat(results.toFile().list()).hasSize(1);
    }
}
