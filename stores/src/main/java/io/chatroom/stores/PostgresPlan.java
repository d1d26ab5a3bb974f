package io.chatroom.stores;

/**
 * Where PostgreSQL comes from and how to log in. For {@link StoreSource#EMBEDDED} {@code jdbcUrl}
 * is null and {@code embeddedPort} is the port to start it on (0: any free port).
 */
public record PostgresPlan(
        StoreSource source, String jdbcUrl, String username, String password, int embeddedPort) {

    public static PostgresPlan at(
            StoreSource source, String jdbcUrl, String username, String password) {
        return new PostgresPlan(source, jdbcUrl, username, password, -1);
    }

    public static PostgresPlan embedded(int port) {
        return new PostgresPlan(
                StoreSource.EMBEDDED, null, StoreResolver.DEFAULT_POSTGRES_USER, "", port);
    }

    @Override
    public String toString() {
        // Never print the password.
        return "PostgresPlan[" + source + ", " + jdbcUrl + ", user " + username + "]";
    }
}
