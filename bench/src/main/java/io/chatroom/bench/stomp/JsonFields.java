package io.chatroom.bench.stomp;

/**
 * Reads single fields out of a JSON object without parsing it: the benchmark needs only {@code seq}
 * and the number its own texts start with, once per delivery, so a scan beats building a tree.
 * Valid for the server's flat message objects, whose string values our clients wrote themselves.
 */
public final class JsonFields {
    /** Returned when the field is absent or not a number. */
    public static final long MISSING = Long.MIN_VALUE;

    private JsonFields() {}

    /** The integer value of {@code "name":123} within {@code s[from, to)}. */
    public static long longField(CharSequence s, int from, int to, String name) {
        int v = valueStart(s, from, to, name);
        return v < 0 ? MISSING : parseLong(s, v, to);
    }

    /** The integer a string field's value starts with, as in {@code "text":"123xxx"}. */
    public static long leadingNumberOfString(CharSequence s, int from, int to, String name) {
        int v = valueStart(s, from, to, name);
        if (v < 0 || v >= to || s.charAt(v) != '"') {
            return MISSING;
        }
        return parseLong(s, v + 1, to);
    }

    /**
     * The integer a string field's value ends with, as in {@code "clientMessageId":"c-1-17"} (17):
     * an ack names the sender's own message without a map from id to message.
     */
    public static long trailingNumberOfString(CharSequence s, int from, int to, String name) {
        int v = valueStart(s, from, to, name);
        if (v < 0 || v >= to || s.charAt(v) != '"') {
            return MISSING;
        }
        int end = StompScanner.indexOf(s, '"', v + 1, to);
        if (end < 0) {
            return MISSING;
        }
        int digits = end;
        while (digits > v + 1 && s.charAt(digits - 1) >= '0' && s.charAt(digits - 1) <= '9') {
            digits--;
        }
        return digits == end ? MISSING : parseLong(s, digits, end);
    }

    /** The string value of {@code "name":"..."} (no escapes expected), or null. */
    public static String stringField(CharSequence s, int from, int to, String name) {
        int v = valueStart(s, from, to, name);
        if (v < 0 || v >= to || s.charAt(v) != '"') {
            return null;
        }
        int end = StompScanner.indexOf(s, '"', v + 1, to);
        return end < 0 ? null : s.subSequence(v + 1, end).toString();
    }

    private static int valueStart(CharSequence s, int from, int to, String name) {
        int keyLength = name.length() + 2;
        for (int i = from; i + keyLength < to; i++) {
            if (s.charAt(i) == '"'
                    && s.charAt(i + keyLength - 1) == '"'
                    && StompScanner.startsWith(s, i + 1, to, name)) {
                int p = i + keyLength;
                while (p < to && (s.charAt(p) == ' ' || s.charAt(p) == '\t')) {
                    p++;
                }
                if (p < to && s.charAt(p) == ':') {
                    p++;
                    while (p < to && (s.charAt(p) == ' ' || s.charAt(p) == '\t')) {
                        p++;
                    }
                    return p;
                }
            }
        }
        return -1;
    }

    private static long parseLong(CharSequence s, int from, int to) {
        int i = from;
        boolean negative = i < to && s.charAt(i) == '-';
        if (negative) {
            i++;
        }
        long value = 0;
        int digits = 0;
        while (i < to) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            value = value * 10 + (c - '0');
            digits++;
            i++;
        }
        if (digits == 0) {
            return MISSING;
        }
        return negative ? -value : value;
    }
}
