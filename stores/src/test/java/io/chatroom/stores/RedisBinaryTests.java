package io.chatroom.stores;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisBinaryTests {

    @Test
    void embeddedAlwaysGivesTheBundledRedisEvenWhereOneIsInstalled() throws Exception {
        Path binary = RedisBinary.path(StoreSettings.of(Map.of("CHATROOM_EMBEDDED", "always")));

        assertThat(binary).isNotEqualTo(RedisBinary.INSTALLED).isExecutable();
        assertThat(RedisBinary.isEmbedded(binary)).isTrue();
        assertThat(version(binary)).contains("v=6.2");
    }

    @Test
    void autoTakesAnInstalledRedisServerFirstThenOneOnThePath(@TempDir Path dir)
            throws IOException {
        Path onPath = dir.resolve("redis-server");
        Files.writeString(onPath, "#!/bin/sh\n");
        Files.setPosixFilePermissions(onPath, PosixFilePermissions.fromString("rwx------"));

        Path chosen = RedisBinary.path(StoreSettings.of(Map.of("PATH", "/nonexistent:" + dir)));

        Path expected = Files.isExecutable(RedisBinary.INSTALLED) ? RedisBinary.INSTALLED : onPath;
        assertThat(chosen).isEqualTo(expected);
        assertThat(RedisBinary.isEmbedded(chosen)).isFalse();
    }

    private static String version(Path binary) throws Exception {
        Process process =
                new ProcessBuilder(binary.toString(), "--version")
                        .redirectErrorStream(true)
                        .start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
