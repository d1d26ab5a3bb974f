package io.chatroom.stores;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * PostgreSQL refuses to run as root. As root, a command prefixed with {@link #prefix()} runs in a
 * new user namespace where our root is mapped to {@code nobody}: PostgreSQL sees an ordinary user
 * owning its files, while outside they stay root's. Needs no setup, unlike a system user
 * (util-linux 2.38+, user namespaces enabled).
 */
public final class UserNamespace {
    private static final int NOBODY_ID = 65534;

    private UserNamespace() {}

    public static boolean isRoot() {
        if (System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows")) {
            return false;
        }
        return new UnixSystem().getUid() == 0;
    }

    /** {@code unshare --user --map-user=<nobody> --map-group=<nogroup>}. */
    public static List<String> prefix() {
        int[] nobody = nobodyIds();
        return List.of("unshare", "--user", "--map-user=" + nobody[0], "--map-group=" + nobody[1]);
    }

    /** {@link #prefix()} as root, else nothing. */
    public static List<String> prefixIfRoot() {
        return isRoot() ? prefix() : List.of();
    }

    private static int[] nobodyIds() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] fields = line.split(":");
                if (fields.length > 3 && "nobody".equals(fields[0])) {
                    return new int[] {Integer.parseInt(fields[2]), Integer.parseInt(fields[3])};
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Fall through to the usual ids.
        }
        return new int[] {NOBODY_ID, NOBODY_ID};
    }
}
