package io.chatroom.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Command-line options as {@code --name value} or {@code --name=value}; unknown names fail. */
final class Options {
    private final Map<String, String> values = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    Options(List<String> args) {
        int i = 0;
        while (i < args.size()) {
            String arg = args.get(i++);
            if (!arg.startsWith("--")) {
                positional.add(arg);
                continue;
            }
            String body = arg.substring(2);
            int eq = body.indexOf('=');
            if (eq >= 0) {
                values.put(body.substring(0, eq), body.substring(eq + 1));
            } else if (i < args.size() && !args.get(i).startsWith("--")) {
                values.put(body, args.get(i++));
            } else {
                values.put(body, "true");
            }
        }
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback) {
        String v = string(name, null);
        return v == null ? fallback : Integer.parseInt(v.replace("_", ""));
    }

    long longValue(String name, long fallback) {
        String v = string(name, null);
        return v == null ? fallback : Long.parseLong(v.replace("_", ""));
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(string(name, "false"));
    }

    /** A comma-separated list of integers, e.g. {@code 100,500,1000}. */
    int[] integers(String name, int... fallback) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        String[] parts = v.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Integer.parseInt(parts[i].trim().replace("_", ""));
        }
        return out;
    }

    List<String> positional() {
        return positional;
    }

    /** Fails on options nobody asked for, so a typo never silently runs the default. */
    void rejectUnknown(Set<String> known) {
        Set<String> unknown = new HashSet<>(values.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    "unknown option(s): --" + String.join(", --", unknown));
        }
    }

    Map<String, String> asMap() {
        return Map.copyOf(values);
    }
}
