package io.chatroom.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a PostgreSQL server for tests (or starts an embedded one) and creates a fresh database per
 * caller, dropped when the JVM exits.
 */
final class PostgresServers {
    private static final Logger log = LoggerFactory.getLogger(PostgresServers.class);
    private static Server server;

    private PostgresServers() {}

    /** Where to connect for administration: any database on the server plus credentials. */
    private record Server(String baseUrl, String adminDatabase, String username, String password) {
        String url(String database) {
            return baseUrl + database;
        }
    }

    static TestInfra.Database freshDatabase() {
        Server s = server();
        String name =
                "chatroom_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(s, "CREATE DATABASE " + name);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        execute(
                                                s,
                                                "DROP DATABASE IF EXISTS "
                                                        + name
                                                        + " WITH (FORCE)");
                                    } catch (IllegalStateException e) {
                                        log.warn(
                                                "Could not drop test database {}: {}",
                                                name,
                                                e.toString());
                                    }
                                }));
        return new TestInfra.Database(s.url(name), s.username(), s.password());
    }

    private static void execute(Server s, String sql) {
        try (Connection c =
                        DriverManager.getConnection(
                                s.url(s.adminDatabase()), s.username(), s.password());
                Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL refused: " + sql, e);
        }
    }

    private static synchronized Server server() {
        if (server != null) {
            return server;
        }
        String explicit = TestInfra.env("DATABASE_URL");
        if (explicit == null) {
            explicit = TestInfra.env("spring.datasource.url");
        }
        if (explicit != null) {
            // jdbc:postgresql://host:port/db?params -> keep host:port, administer via that db
            String withoutParams = explicit.split("\\?", 2)[0];
            int slash = withoutParams.lastIndexOf('/');
            String user = TestInfra.env("spring.datasource.username");
            String password = TestInfra.env("spring.datasource.password");
            server =
                    new Server(
                            withoutParams.substring(0, slash + 1),
                            withoutParams.substring(slash + 1),
                            user == null ? "postgres" : user,
                            password == null ? "" : password);
        } else if (TestInfra.answers("127.0.0.1", 5432)) {
            server = new Server("jdbc:postgresql://127.0.0.1:5432/", "postgres", "postgres", "");
        } else {
            server = startEmbedded();
        }
        log.info("Tests use PostgreSQL at {}", server.baseUrl());
        return server;
    }

    private static Server startEmbedded() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            Runtime.getRuntime()
                    .addShutdownHook(
                            new Thread(
                                    () -> {
                                        try {
                                            pg.close();
                                        } catch (IOException e) {
                                            log.warn("Embedded PostgreSQL did not stop cleanly", e);
                                        }
                                    }));
            return new Server(
                    "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/",
                    "postgres",
                    "postgres",
                    "");
        } catch (IOException e) {
            throw new IllegalStateException(
                    "No PostgreSQL reachable (set DATABASE_URL or start one on 127.0.0.1:5432) and"
                            + " embedded PostgreSQL failed to start (it refuses to run as root)",
                    e);
        }
    }
}
