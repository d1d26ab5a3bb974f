package io.chatroom.stores;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Decides where Redis and PostgreSQL come from, in this order: explicit settings ({@code REDIS_URL}
 * or {@code SPRING_DATA_REDIS_*}; {@code DATABASE_URL} or {@code SPRING_DATASOURCE_*}), then a
 * server answering on the default local port, then an embedded one ({@code CHATROOM_EMBEDDED}:
 * {@code auto}, {@code always} or {@code never}). The one place this order is written: the launcher
 * and the tests both ask it. It only decides; starting servers is someone else's job, so it can be
 * tested with fake settings and a fake network.
 */
public final class StoreResolver {
    public static final String LOCALHOST = "127.0.0.1";
    public static final int DEFAULT_REDIS_PORT = 6379;
    public static final int DEFAULT_POSTGRES_PORT = 5432;
    public static final String DEFAULT_POSTGRES_USER = "postgres";
    public static final int ANY_FREE_PORT = 0;

    /** The setting that chooses when embedded stores are used. */
    public static final String EMBEDDED_SETTING = "CHATROOM_EMBEDDED";

    private static final String JDBC_PREFIX = "jdbc:";

    /**
     * What differs between callers: the database a local PostgreSQL URL names, and whether an
     * embedded store takes the default port when that port is free (else any free port).
     */
    public record Profile(String database, boolean embeddedOnDefaultPorts) {
        /** {@code ./chatroom up}: database {@code chatroom}, embedded stores on 6379 and 5432. */
        public static final Profile LOCAL_CLUSTER = new Profile("chatroom", true);

        /**
         * Tests: the {@code postgres} database to create fresh ones from, embedded stores on free
         * ports (test JVMs of other builds may run at the same time).
         */
        public static final Profile TESTS = new Profile("postgres", false);
    }

    private final StoreSettings settings;
    private final PortProbe probe;
    private final Profile profile;
    private final EmbeddedMode mode;

    public StoreResolver(StoreSettings settings, PortProbe probe, Profile profile) {
        this.settings = settings;
        this.probe = probe;
        this.profile = profile;
        this.mode = EmbeddedMode.parse(settings.get(EMBEDDED_SETTING));
    }

    public EmbeddedMode mode() {
        return mode;
    }

    public RedisPlan redis() {
        String url = first("REDIS_URL", "SPRING_DATA_REDIS_URL");
        if (url == null && value("SPRING_DATA_REDIS_HOST") != null) {
            String port = value("SPRING_DATA_REDIS_PORT");
            String password = value("SPRING_DATA_REDIS_PASSWORD");
            url =
                    "redis://"
                            + (password == null ? "" : ":" + password + "@")
                            + value("SPRING_DATA_REDIS_HOST")
                            + ":"
                            + (port == null ? DEFAULT_REDIS_PORT : port);
        }
        if (url != null) {
            return RedisPlan.at(StoreSource.EXPLICIT, url);
        }
        if (mode != EmbeddedMode.ALWAYS && probe.answers(LOCALHOST, DEFAULT_REDIS_PORT)) {
            return RedisPlan.at(
                    StoreSource.LOCAL, "redis://" + LOCALHOST + ":" + DEFAULT_REDIS_PORT);
        }
        if (mode == EmbeddedMode.NEVER) {
            throw new StoreException(
                    "No Redis: nothing answers on "
                            + LOCALHOST
                            + ":"
                            + DEFAULT_REDIS_PORT
                            + " and CHATROOM_EMBEDDED=never. Start Redis or set REDIS_URL.");
        }
        return RedisPlan.embedded(embeddedPort("CHATROOM_REDIS_PORT", DEFAULT_REDIS_PORT));
    }

    public PostgresPlan postgres() {
        String url = first("DATABASE_URL", "SPRING_DATASOURCE_URL");
        if (url != null) {
            return explicitPostgres(url);
        }
        if (mode != EmbeddedMode.ALWAYS && probe.answers(LOCALHOST, DEFAULT_POSTGRES_PORT)) {
            return PostgresPlan.at(
                    StoreSource.LOCAL,
                    jdbcUrl(LOCALHOST, DEFAULT_POSTGRES_PORT, profile.database()),
                    DEFAULT_POSTGRES_USER,
                    orEmpty(value("PGPASSWORD")));
        }
        if (mode == EmbeddedMode.NEVER) {
            throw new StoreException(
                    "No PostgreSQL: nothing answers on "
                            + LOCALHOST
                            + ":"
                            + DEFAULT_POSTGRES_PORT
                            + " and CHATROOM_EMBEDDED=never. Start PostgreSQL or set"
                            + " DATABASE_URL.");
        }
        return embeddedPostgres();
    }

    /** The embedded fallback, also used when the local server answers but refuses us. */
    public PostgresPlan embeddedPostgres() {
        return PostgresPlan.embedded(embeddedPort("CHATROOM_POSTGRES_PORT", DEFAULT_POSTGRES_PORT));
    }

    public static String jdbcUrl(String host, int port, String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /**
     * Accepts the JDBC form the contract names, and also {@code postgres://user:pass@host/db} as
     * hosting services print it; credentials in variables win over credentials in the URL.
     */
    private PostgresPlan explicitPostgres(String url) {
        String jdbcUrl = url;
        String urlUser = null;
        String urlPassword = null;
        if (!url.startsWith(JDBC_PREFIX)) {
            URI uri = URI.create(url);
            String scheme = uri.getScheme();
            if (!"postgres".equals(scheme) && !"postgresql".equals(scheme)) {
                throw new StoreException(
                        "DATABASE_URL must look like jdbc:postgresql://host:5432/chatroom");
            }
            int port = uri.getPort() == -1 ? DEFAULT_POSTGRES_PORT : uri.getPort();
            jdbcUrl = jdbcUrl(uri.getHost(), port, uri.getPath().replaceFirst("^/", ""));
            if (uri.getRawQuery() != null) {
                jdbcUrl += "?" + uri.getRawQuery();
            }
            String userInfo = uri.getRawUserInfo();
            if (userInfo != null) {
                String[] parts = userInfo.split(":", 2);
                urlUser = decode(parts[0]);
                urlPassword = parts.length > 1 ? decode(parts[1]) : null;
            }
        }
        String user = first("SPRING_DATASOURCE_USERNAME", "DATABASE_USER");
        String password = first("SPRING_DATASOURCE_PASSWORD", "DATABASE_PASSWORD");
        return PostgresPlan.at(
                StoreSource.EXPLICIT,
                jdbcUrl,
                user != null ? user : urlUser != null ? urlUser : DEFAULT_POSTGRES_USER,
                orEmpty(password != null ? password : urlPassword));
    }

    /**
     * A port chosen by the user, else the default port if it is free, else any free port (the
     * default port is taken when CHATROOM_EMBEDDED=always runs next to a real server).
     */
    private int embeddedPort(String variable, int defaultPort) {
        String chosen = value(variable);
        if (chosen != null) {
            try {
                return Integer.parseInt(chosen.trim());
            } catch (NumberFormatException e) {
                throw new StoreException(variable + " must be a port number, not " + chosen);
            }
        }
        if (!profile.embeddedOnDefaultPorts()) {
            return ANY_FREE_PORT;
        }
        return probe.answers(LOCALHOST, defaultPort) ? ANY_FREE_PORT : defaultPort;
    }

    private String first(String... names) {
        for (String name : names) {
            String value = value(name);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    private String value(String name) {
        return settings.get(name);
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    private static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }
}
