package io.chatroom.launcher;

import io.chatroom.stores.EmbeddedMode;
import io.chatroom.stores.PortProbe;
import io.chatroom.stores.PostgresPlan;
import io.chatroom.stores.RedisPlan;
import io.chatroom.stores.StoreException;
import io.chatroom.stores.StoreResolver.Profile;
import io.chatroom.stores.StoreSettings;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The launcher's view of the shared {@link io.chatroom.stores.StoreResolver} (the one place the
 * order "explicit settings, default local port, embedded" is written): its environment, the {@code
 * chatroom} database, embedded stores on the default ports when free, and failures as {@link
 * LauncherException}s that the launcher prints.
 */
final class StoreResolver {
    static final String LOCALHOST = io.chatroom.stores.StoreResolver.LOCALHOST;
    static final int DEFAULT_POSTGRES_PORT = io.chatroom.stores.StoreResolver.DEFAULT_POSTGRES_PORT;
    static final String DEFAULT_POSTGRES_USER =
            io.chatroom.stores.StoreResolver.DEFAULT_POSTGRES_USER;
    static final int ANY_FREE_PORT = io.chatroom.stores.StoreResolver.ANY_FREE_PORT;
    static final String DATABASE = Profile.LOCAL_CLUSTER.database();

    private final io.chatroom.stores.StoreResolver shared;

    StoreResolver(Map<String, String> env, PortProbe probe) {
        this.shared =
                translated(
                        () ->
                                new io.chatroom.stores.StoreResolver(
                                        StoreSettings.of(env), probe, Profile.LOCAL_CLUSTER));
    }

    EmbeddedMode mode() {
        return shared.mode();
    }

    RedisPlan redis() {
        return translated(shared::redis);
    }

    PostgresPlan postgres() {
        return translated(shared::postgres);
    }

    /** The embedded fallback, also used when the local server answers but refuses us. */
    PostgresPlan embeddedPostgres() {
        return translated(shared::embeddedPostgres);
    }

    static String jdbcUrl(String host, int port, String database) {
        return io.chatroom.stores.StoreResolver.jdbcUrl(host, port, database);
    }

    private static <T> T translated(Supplier<T> decision) {
        try {
            return decision.get();
        } catch (StoreException e) {
            throw new LauncherException(e.getMessage(), e);
        }
    }
}
