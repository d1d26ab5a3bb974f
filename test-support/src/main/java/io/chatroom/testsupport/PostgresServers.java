package io.chatroom.testsupport;

import io.chatroom.stores.PostgresPlan;
import io.chatroom.stores.StoreSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server for tests as {@link TestInfra#stores()} finds it (or an embedded one it
 * starts) and a fresh database per caller, dropped when the JVM exits.
 */
final class PostgresServers {
    private static final Logger log = LoggerFactory.getLogger(PostgresServers.class);
    private static Server server;

    private PostgresServers() {}

    /** Where to connect for administration: any database on the server plus credentials. */
    record Server(String baseUrl, String adminDatabase, String username, String password) {
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
        PostgresPlan plan = TestInfra.stores().postgres();
        if (plan.source() == StoreSource.EMBEDDED) {
            server = EmbeddedPostgresProcess.start(plan.embeddedPort()).asServer();
        } else {
            // jdbc:postgresql://host:port/db?params -> keep host:port, administer via that db
            String withoutParams = plan.jdbcUrl().split("\\?", 2)[0];
            int slash = withoutParams.lastIndexOf('/');
            server =
                    new Server(
                            withoutParams.substring(0, slash + 1),
                            withoutParams.substring(slash + 1),
                            plan.username(),
                            plan.password());
        }
        log.info("Tests use PostgreSQL at {} ({})", server.baseUrl(), plan.source().label());
        return server;
    }
}
