package io.chatroom.webui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The pages load WebJars (the STOMP client, Chart.js) by versioned paths; a dependency bump that
 * forgets a path would only show as a broken page. This finds every {@code /webjars/...} path in
 * the pages and scripts and checks that a jar on the classpath serves it.
 */
class WebJarPathsTests {
    private static final Pattern WEBJAR_PATH = Pattern.compile("/webjars/[A-Za-z0-9_.@/-]+");

    @Test
    void everyWebJarPathThePagesLoadExists() throws IOException {
        Path resources =
                Path.of(System.getProperty("basedir", ""))
                        .toAbsolutePath()
                        .resolve("src/main/resources/META-INF/resources");
        List<String> paths = new ArrayList<>();
        try (Stream<Path> files = Files.walk(resources)) {
            for (Path file : files.filter(WebJarPathsTests::isPageOrScript).toList()) {
                Matcher matcher = WEBJAR_PATH.matcher(Files.readString(file));
                while (matcher.find()) {
                    paths.add(matcher.group());
                }
            }
        }
        assertThat(paths)
                .as("WebJar paths in the pages")
                .contains(
                        "/webjars/stomp__stompjs/7.2.1/esm6/index.js",
                        "/webjars/chart.js/4.5.1/dist/chart.umd.min.js");
        for (String path : paths) {
            assertThat(getClass().getResource("/META-INF/resources" + path))
                    .as("a WebJar on the classpath serves " + path)
                    .isNotNull();
        }
    }

    private static boolean isPageOrScript(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".html") || name.endsWith(".js");
    }
}
