package io.chatroom.common;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Refuses weak shared secrets outside a dev/local profile: a default or short {@code
 * chatroom.auth.secret} or {@code chatroom.cluster-key} would let anyone forge tokens or
 * heartbeats.
 */
public final class Secrets {
    /** Every built-in default secret starts with this, so it is recognisable wherever it leaks. */
    public static final String DEV_DEFAULT_MARKER = "dev-only-";

    /** The profiles in which the built-in development secrets are accepted. */
    public static final List<String> DEV_PROFILES = List.of("dev", "local");

    private Secrets() {}

    /** Whether one of the active profiles (e.g. Spring's {@code getActiveProfiles()}) is dev. */
    public static boolean isDev(String... activeProfiles) {
        return activeProfiles != null
                && Arrays.stream(activeProfiles).anyMatch(DEV_PROFILES::contains);
    }

    /**
     * Refuses a weak secret unless one of the active profiles is a {@link #DEV_PROFILES dev
     * profile}: the one rule every app applies at start-up.
     *
     * @throws IllegalStateException naming the property and how to fix it
     */
    public static void requireStrong(String property, String value, String... activeProfiles) {
        requireStrong(property, value, isDev(activeProfiles));
    }

    /**
     * @throws IllegalStateException naming the property and how to fix it
     */
    public static void requireStrong(String property, String value, boolean devProfile) {
        if (devProfile) {
            return;
        }
        String env = property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        if (value == null || value.startsWith(DEV_DEFAULT_MARKER)) {
            throw new IllegalStateException(
                    property
                            + " still has its built-in development default. Set "
                            + property
                            + " (or "
                            + env
                            + ") to a random secret of at least "
                            + TokenClaims.MIN_SECRET_BYTES
                            + " bytes, e.g. `openssl rand -base64 48`, or run with"
                            + " --spring.profiles.active=dev for local development.");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length < TokenClaims.MIN_SECRET_BYTES) {
            throw new IllegalStateException(
                    property
                            + " is shorter than "
                            + TokenClaims.MIN_SECRET_BYTES
                            + " bytes. Set "
                            + property
                            + " (or "
                            + env
                            + ") to a longer random secret.");
        }
    }
}
