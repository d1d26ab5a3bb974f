package io.chatroom.launcher;

import java.io.PrintStream;
import java.util.List;

/**
 * The launcher's output: talking to the user is its job, so it prints rather than logs. On a
 * terminal the status table is redrawn in place; in a pipe or file each change is appended.
 */
@SuppressWarnings("checkstyle:regexp")
final class Console {
    private static final String CURSOR_UP = "\033[%dA";
    private static final String CLEAR_TO_END = "\033[J";

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final boolean redraw =
            System.console() != null && !"dumb".equals(System.getenv("TERM"));
    private int tableLines;

    synchronized void line(String text) {
        out.println(text);
        tableLines = 0;
    }

    synchronized void error(String text) {
        out.flush();
        err.println(text);
        tableLines = 0;
    }

    synchronized void table(List<String> lines) {
        if (redraw && tableLines > 0) {
            out.print(String.format(CURSOR_UP, tableLines) + CLEAR_TO_END);
        }
        lines.forEach(out::println);
        out.flush();
        tableLines = lines.size();
    }
}
