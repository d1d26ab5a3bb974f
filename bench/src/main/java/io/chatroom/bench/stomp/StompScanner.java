package io.chatroom.bench.stomp;

/**
 * Finds STOMP 1.2 frames in one WebSocket text message (a server may put several frames, or
 * heart-beat newlines, in one message) and hands each to a {@link StompFrameHandler}, reading only
 * the command and the {@code subscription} and {@code message} headers. Bodies end at the NUL
 * octet: JSON never holds a raw NUL, and {@code content-length} counts bytes, not chars.
 */
public final class StompScanner {
    private static final String SUBSCRIPTION = "subscription:";
    private static final String MESSAGE = "message:";

    private StompScanner() {}

    /**
     * Scans {@code text} and returns the number of frames handled. A trailing incomplete frame (no
     * NUL) is reported as an error rather than guessed at.
     */
    public static int scan(CharSequence text, StompFrameHandler handler) {
        int frames = 0;
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r' || c == '\0') {
                i++; // heart-beat or padding between frames
                continue;
            }
            int commandEnd = indexOf(text, '\n', i, n);
            if (commandEnd < 0) {
                handler.onError("incomplete frame");
                return frames;
            }
            int commandStart = i;
            char subscription = 0;
            String errorMessage = null;
            int p = commandEnd + 1;
            int bodyStart = -1;
            while (p < n) {
                int lineEnd = indexOf(text, '\n', p, n);
                if (lineEnd < 0) {
                    break;
                }
                int contentEnd =
                        lineEnd > p && text.charAt(lineEnd - 1) == '\r' ? lineEnd - 1 : lineEnd;
                if (contentEnd == p) {
                    bodyStart = lineEnd + 1;
                    break;
                }
                if (subscription == 0 && startsWith(text, p, contentEnd, SUBSCRIPTION)) {
                    int v = p + SUBSCRIPTION.length();
                    subscription = v < contentEnd ? text.charAt(v) : 0;
                } else if (startsWith(text, p, contentEnd, MESSAGE)) {
                    errorMessage = text.subSequence(p + MESSAGE.length(), contentEnd).toString();
                }
                p = lineEnd + 1;
            }
            if (bodyStart < 0) {
                handler.onError("incomplete frame headers");
                return frames;
            }
            int bodyEnd = indexOf(text, '\0', bodyStart, n);
            if (bodyEnd < 0) {
                handler.onError("frame without NUL terminator");
                return frames;
            }
            dispatch(text, commandStart, subscription, errorMessage, bodyStart, bodyEnd, handler);
            frames++;
            i = bodyEnd + 1;
        }
        return frames;
    }

    private static void dispatch(
            CharSequence text,
            int commandStart,
            char subscription,
            String errorMessage,
            int bodyStart,
            int bodyEnd,
            StompFrameHandler handler) {
        switch (text.charAt(commandStart)) {
            case 'M' -> handler.onMessage(subscription, text, bodyStart, bodyEnd);
            case 'C' -> handler.onConnected();
            case 'E' ->
                    handler.onError(
                            (errorMessage == null ? "" : errorMessage)
                                    + " "
                                    + text.subSequence(bodyStart, bodyEnd));
            default -> {
                // RECEIPT and anything else carries nothing the benchmark counts
            }
        }
    }

    static int indexOf(CharSequence s, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    static boolean startsWith(CharSequence s, int from, int to, String prefix) {
        if (to - from < prefix.length()) {
            return false;
        }
        for (int k = 0; k < prefix.length(); k++) {
            if (s.charAt(from + k) != prefix.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
