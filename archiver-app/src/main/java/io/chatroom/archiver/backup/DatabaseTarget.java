package io.chatroom.archiver.backup;

import java.net.URI;

/** Host, port and database of a {@code jdbc:postgresql://host[:port]/db[?...]} URL. */
record DatabaseTarget(String host, int port, String database) {
    private static final String PREFIX = "jdbc:";
    private static final int DEFAULT_PORT = 5432;

    static DatabaseTarget fromJdbcUrl(String jdbcUrl) {
        if (jdbcUrl == null || !jdbcUrl.startsWith(PREFIX + "postgresql://")) {
            throw new IllegalArgumentException(
                    "spring.datasource.url must be a jdbc:postgresql://host:port/db URL");
        }
        URI uri = URI.create(jdbcUrl.substring(PREFIX.length()));
        String path = uri.getPath();
        if (uri.getHost() == null || path == null || path.length() < 2) {
            throw new IllegalArgumentException(
                    "spring.datasource.url needs one host and a database name for pg_dump");
        }
        return new DatabaseTarget(
                uri.getHost(),
                uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort(),
                path.substring(1));
    }
}
