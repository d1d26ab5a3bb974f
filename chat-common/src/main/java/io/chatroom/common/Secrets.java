package io.chatroom.common;

import java.nio.charset.StandardCharsets;

/**
 * Refuses weak shared secrets outside a dev/local profile: a default or short {@code
 * chatroom.auth.secret} or {@code chatroom.cluster-key} would let anyone forge tokens or
 * heartbeats.
 */
public final class Secrets {
    /** Every built-in default secret starts with this, so it is recognisable wherever it leaks. */
    public static final String DEV_DEFAULT_MARKER = "dev-only-";

    private Secrets() {}

    /**
     * @throws IllegalStateException naming the property and how to fix it
     */
    public static void requireStrong(String property, String value, boolean devProfile) {
        if (devProfile) {
            return;
        }
        String env = property.toUpperCase().replace('.', '_').replace('-', '_');
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
