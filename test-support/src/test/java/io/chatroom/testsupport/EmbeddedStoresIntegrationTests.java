package io.chatroom.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.stores.RedisBinary;
import io.chatroom.stores.StoreResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a machine with only a JDK gets: the bundled redis-server for private Redis processes (here
 * forced with {@code chatroom.embedded=always}, as {@code -Dchatroom.embedded=always} forces it for
 * a whole test run) and an embedded PostgreSQL, also as root.
 */
class EmbeddedStoresIntegrationTests {
    private static final String FORCE = "chatroom.embedded";

    @AfterEach
    void unforce() {
        System.clearProperty(FORCE);
    }

    @Test
    void privateRedisRunsTheBundledBinaryWhenForcedAndComesBackAfterACrash() throws IOException {
        System.setProperty(FORCE, "always");
        try (PrivateRedis redis = PrivateRedis.start()) {
            assertThat(RedisBinary.isEmbedded(RedisBinary.path())).isTrue();
            assertThat(command(redis.url(), "INFO", "server")).contains("redis_version:6.2");
            command(redis.url(), "SET", "k", "v");

            redis.kill();
            redis.startAgain();

            assertThat(command(redis.url(), "EXISTS", "k")).isEqualTo(":0");
        }
    }

    @Test
    void embeddedPostgresAnswersOnAFreePortAndLeavesNothingBehind() {
        EmbeddedPostgresProcess postgres =
                EmbeddedPostgresProcess.start(StoreResolver.ANY_FREE_PORT);
        try {
            check(postgres.asServer());
        } finally {
            postgres.close();
        }
        assertThat(postgres.directory()).doesNotExist();
    }

    private static void check(PostgresServers.Server server) {
        try (Connection c =
                        DriverManager.getConnection(
                                server.url(server.adminDatabase()),
                                server.username(),
                                server.password());
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE embedded_check");
            try (ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')")) {
                rs.next();
                assertThat(rs.getInt(1)).isGreaterThanOrEqualTo(140000);
            }
            try (ResultSet rs =
                    st.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("superuser: DatabaseGate needs it").isTrue();
            }
        } catch (SQLException e) {
            throw new AssertionError("embedded PostgreSQL refused", e);
        }
    }

    /** One RESP command; returns the first line of the reply (a bulk reply's payload). */
    private static String command(String url, String... args) throws IOException {
        URI uri = URI.create(url);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args) {
                sb.append('$').append(arg.length()).append("\r\n").append(arg).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            String first = readLine(in);
            if (!first.startsWith("$")) {
                return first;
            }
            byte[] payload = in.readNBytes(Integer.parseInt(first.substring(1)));
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
