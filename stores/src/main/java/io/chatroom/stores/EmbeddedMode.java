package io.chatroom.stores;

import java.util.Locale;

/** When to start embedded stores, from {@code CHATROOM_EMBEDDED} (auto, always or never). */
public enum EmbeddedMode {
    /** Embedded only when nothing was given and nothing answers on the default port. */
    AUTO,
    /** Embedded even when a server answers on the default port (explicit settings still win). */
    ALWAYS,
    /** Never start embedded stores: fail with a clear message instead. */
    NEVER;

    public static EmbeddedMode parse(String value) {
        if (value == null || value.isBlank()) {
            return AUTO;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new StoreException(
                    "CHATROOM_EMBEDDED must be auto, always or never, not '" + value + "'");
        }
    }
}
