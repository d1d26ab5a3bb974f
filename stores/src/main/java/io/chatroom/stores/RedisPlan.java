package io.chatroom.stores;

/**
 * Where Redis comes from. For {@link StoreSource#EMBEDDED} {@code url} is null and {@code
 * embeddedPort} is the port to start it on (0: any free port).
 */
public record RedisPlan(StoreSource source, String url, int embeddedPort) {

    public static RedisPlan at(StoreSource source, String url) {
        return new RedisPlan(source, url, -1);
    }

    public static RedisPlan embedded(int port) {
        return new RedisPlan(StoreSource.EMBEDDED, null, port);
    }
}
