package io.chatroom.launcher;

import com.sun.security.auth.module.UnixSystem;
import java.util.Locale;

/** Whether the launcher runs as root, which PostgreSQL refuses. */
final class RootUser {
    private RootUser() {}

    static boolean isRoot() {
        if (System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows")) {
            return false;
        }
        return new UnixSystem().getUid() == 0;
    }
}
