package io.chatroom.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Makes one test database unreachable for the app and reachable again, without touching the shared
 * PostgreSQL server: it refuses new connections and ends the open ones.
 */
public final class DatabaseGate {
    private final TestInfra.Database database;
    private final String name;
    private final String adminUrl;

    public DatabaseGate(TestInfra.Database database) {
        this.database = database;
        String withoutParams = database.jdbcUrl().split("\\?", 2)[0];
        int slash = withoutParams.lastIndexOf('/');
        this.name = withoutParams.substring(slash + 1);
        this.adminUrl = withoutParams.substring(0, slash + 1) + "postgres";
    }

    /** Whether the test role may do this (it needs to be a superuser or the database owner). */
    public boolean permitted() {
        try {
            open();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    public void close() {
        execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
        execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
                        + name
                        + "' AND pid <> pg_backend_pid()");
    }

    public void open() {
        execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
    }

    private Connection admin() throws SQLException {
        return DriverManager.getConnection(adminUrl, database.username(), database.password());
    }

    private void execute(String sql) {
        try (Connection c = admin();
                Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL refused: " + sql, e);
        }
    }
}
