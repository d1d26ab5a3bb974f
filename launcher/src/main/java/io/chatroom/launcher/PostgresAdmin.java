package io.chatroom.launcher;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates the cluster's database on a server the launcher found or started. */
final class PostgresAdmin {
    private static final String ADMIN_DATABASE = "postgres";

    private PostgresAdmin() {}

    /**
     * Connects to the server's {@code postgres} database and creates {@code database} if missing.
     *
     * @return true if it created the database
     */
    static boolean ensureDatabase(
            String host, int port, String username, String password, String database)
            throws SQLException {
        String adminUrl = StoreResolver.jdbcUrl(host, port, ADMIN_DATABASE);
        try (Connection connection = DriverManager.getConnection(adminUrl, username, password)) {
            try (PreparedStatement exists =
                    connection.prepareStatement("select 1 from pg_database where datname = ?")) {
                exists.setString(1, database);
                try (ResultSet rows = exists.executeQuery()) {
                    if (rows.next()) {
                        return false;
                    }
                }
            }
            try (Statement create = connection.createStatement()) {
                // The name is our own constant, never user input: safe to splice.
                create.execute("create database " + database);
            }
            return true;
        }
    }
}
