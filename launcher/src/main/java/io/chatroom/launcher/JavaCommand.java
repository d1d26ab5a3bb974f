package io.chatroom.launcher;

import java.nio.file.Path;

/** The Java that runs the launcher, reused for every child JVM so one JDK is all it takes. */
record JavaCommand(Path java, Path launcherJar) {

    static JavaCommand current() {
        return new JavaCommand(
                Path.of(System.getProperty("java.home"), "bin", "java"),
                Path.of(System.getProperty("java.class.path")).toAbsolutePath());
    }
}
