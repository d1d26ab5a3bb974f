package io.chatroom.stores;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import redis.embedded.core.ExecutableProvider;

/**
 * The {@code redis-server} executable for whoever starts Redis processes of their own (the
 * launcher, crash drills that stop and restart Redis): the machine's own ({@code
 * /usr/bin/redis-server}, else one on the {@code PATH}), else the Redis 6.2 that embedded-redis
 * bundles, unpacked once per JVM. {@code CHATROOM_EMBEDDED=always} (or {@code
 * -Dchatroom.embedded=always}) picks the bundled one even when one is installed; {@code never}
 * fails instead of falling back to it.
 */
public final class RedisBinary {
    /** Where Debian and most Linux packages install it. */
    public static final Path INSTALLED = Path.of("/usr/bin/redis-server");

    private static final String NAME = "redis-server";
    private static Path unpacked;

    private RedisBinary() {}

    /** The executable this JVM's settings ask for. */
    public static Path path() {
        return path(StoreSettings.system());
    }

    public static Path path(StoreSettings settings) {
        EmbeddedMode mode = EmbeddedMode.parse(settings.get(StoreResolver.EMBEDDED_SETTING));
        if (mode == EmbeddedMode.ALWAYS) {
            return embedded();
        }
        Optional<Path> installed = installed(settings.get("PATH"));
        if (installed.isPresent()) {
            return installed.get();
        }
        if (mode == EmbeddedMode.NEVER) {
            throw new StoreException(
                    "No "
                            + NAME
                            + " at "
                            + INSTALLED
                            + " or on the PATH, and "
                            + StoreResolver.EMBEDDED_SETTING
                            + "=never. Install Redis or allow the embedded one.");
        }
        return embedded();
    }

    /** Whether {@link #path} would give the bundled Redis 6.2 rather than an installed one. */
    public static boolean isEmbedded(Path binary) {
        return binary.equals(unpacked);
    }

    /** The bundled Redis, unpacked on first use (a temporary file removed when the JVM exits). */
    public static synchronized Path embedded() {
        if (unpacked == null) {
            try {
                unpacked = ExecutableProvider.newJarResourceProvider().get().toPath();
            } catch (IOException e) {
                throw new StoreException("Could not unpack the embedded Redis: " + e, e);
            }
        }
        return unpacked;
    }

    static Optional<Path> installed(String searchPath) {
        return installed(NAME, searchPath);
    }

    /**
     * An installed Redis executable ({@code redis-server}, {@code redis-cli}): in {@code /usr/bin},
     * else the first on {@code searchPath}.
     */
    static Optional<Path> installed(String name, String searchPath) {
        List<Path> candidates = new ArrayList<>();
        candidates.add(INSTALLED.resolveSibling(name));
        if (searchPath != null) {
            for (String dir : searchPath.split(File.pathSeparator)) {
                if (!dir.isBlank()) {
                    candidates.add(Path.of(dir, name));
                }
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }
}
