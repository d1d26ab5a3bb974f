package io.chatroom.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One app of the local cluster: its jar, its port and its command-line settings. */
record AppSpec(String name, Path jar, int port, List<String> arguments) {
    static final int COORDINATOR_PORT = 8080;
    static final int[] CHAT_PORTS = {8081, 8082};
    static final int ARCHIVER_PORT = 8090;
    static final String HOST_URL = "http://localhost:";
    static final String ALLOWED_ORIGINS = "http://localhost:8080,http://127.0.0.1:8080";

    AppSpec {
        arguments = List.copyOf(arguments);
    }

    /**
     * The apps that run the Flyway migrations (schemas {@code coordinator} and {@code archive}):
     * they start first.
     */
    static List<AppSpec> firstWave(Path root, Path runDir) {
        return List.of(
                new AppSpec(
                        "coordinator-app",
                        root.resolve("coordinator-app/target/coordinator-app.jar"),
                        COORDINATOR_PORT,
                        with(
                                common(COORDINATOR_PORT),
                                // Handed to the web UI, which calls the history API directly.
                                "--chatroom.archiver-url=" + HOST_URL + ARCHIVER_PORT)),
                new AppSpec(
                        "archiver-app",
                        root.resolve("archiver-app/target/archiver-app.jar"),
                        ARCHIVER_PORT,
                        with(
                                common(ARCHIVER_PORT),
                                "--chatroom.backup.dir=" + runDir.resolve("backups"))));
    }

    /** The chat servers, started once the first wave answers HTTP (its migrations are done). */
    static List<AppSpec> secondWave(Path root) {
        List<AppSpec> chats = new ArrayList<>();
        for (int i = 0; i < CHAT_PORTS.length; i++) {
            int port = CHAT_PORTS[i];
            String serverId = "chat-" + (i + 1);
            chats.add(
                    new AppSpec(
                            "chat-app-" + (i + 1),
                            root.resolve("chat-app/target/chat-app.jar"),
                            port,
                            with(
                                    common(port),
                                    "--chatroom.server-id=" + serverId,
                                    "--chatroom.public-url=" + HOST_URL + port,
                                    "--chatroom.coordinator.urls=" + HOST_URL + COORDINATOR_PORT)));
        }
        return chats;
    }

    private static List<String> common(int port) {
        return List.of(
                "--server.port=" + port,
                "--spring.profiles.active=local",
                "--chatroom.allowed-origins=" + ALLOWED_ORIGINS);
    }

    private static List<String> with(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }
}
