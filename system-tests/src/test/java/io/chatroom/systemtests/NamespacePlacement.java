package io.chatroom.systemtests;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Puts chosen apps of a {@link Cluster} into their own {@link NetNamespace}; the others stay on the
 * host. A namespaced app reaches Redis and PostgreSQL through {@link TcpRelay}s on the host end of
 * its store link (the machine's PostgreSQL listens on 127.0.0.1 only), the coordinators through the
 * host end of its service link (they listen on every address), and is reached (by clients, health
 * probes, and in the URL it advertises) at the inside end of its service link.
 */
final class NamespacePlacement implements Cluster.Placement, AutoCloseable {
    private static final String REDIS_URL = "--spring.data.redis.url=";
    private static final String DATASOURCE_URL = "--spring.datasource.url=";
    private static final String COORDINATOR_URLS = "--chatroom.coordinator.urls=";
    private static final String PUBLIC_URL = "--chatroom.public-url=";
    private static final String LOOPBACK = "127.0.0.1";
    private static final String JDBC = "jdbc:";
    private static final int DEFAULT_REDIS_PORT = 6379;
    private static final int DEFAULT_POSTGRES_PORT = 5432;

    private final Map<String, NetNamespace> byApp;
    // namespace name -> "host:port" of the target -> its relay
    private final Map<String, Map<String, TcpRelay>> relays = new HashMap<>();

    NamespacePlacement(Map<String, NetNamespace> byApp) {
        this.byApp = Map.copyOf(byApp);
    }

    @Override
    public synchronized AppProcess place(String name, Path jar, int port, List<String> args) {
        NetNamespace ns = byApp.get(name);
        if (ns == null) {
            return new AppProcess(name, jar, port, args);
        }
        List<String> moved = new ArrayList<>();
        for (String arg : args) {
            moved.add(rewrite(ns, arg, port));
        }
        return new AppProcess(name, jar, port, moved, ns.service().insideAddress(), ns.launcher());
    }

    private String rewrite(NetNamespace ns, String arg, int port) {
        if (arg.startsWith(REDIS_URL)) {
            URI redis = URI.create(arg.substring(REDIS_URL.length()));
            TcpRelay relay = relay(ns, redis.getHost(), portOr(redis, DEFAULT_REDIS_PORT));
            return REDIS_URL + redis.getScheme() + "://" + relay.host() + ":" + relay.port();
        }
        if (arg.startsWith(DATASOURCE_URL)) {
            String jdbc = arg.substring(DATASOURCE_URL.length());
            URI database = URI.create(jdbc.substring(JDBC.length()));
            TcpRelay relay = relay(ns, database.getHost(), portOr(database, DEFAULT_POSTGRES_PORT));
            return DATASOURCE_URL
                    + jdbc.replaceFirst(
                            Pattern.quote(database.getRawAuthority()),
                            relay.host() + ":" + relay.port());
        }
        if (arg.startsWith(COORDINATOR_URLS)) {
            return arg.replace(LOOPBACK, ns.service().hostAddress());
        }
        if (arg.startsWith(PUBLIC_URL)) {
            return PUBLIC_URL + "http://" + ns.service().insideAddress() + ":" + port;
        }
        return arg;
    }

    private static int portOr(URI uri, int fallback) {
        return uri.getPort() < 0 ? fallback : uri.getPort();
    }

    private TcpRelay relay(NetNamespace ns, String host, int port) {
        return relays.computeIfAbsent(ns.name(), n -> new HashMap<>())
                .computeIfAbsent(
                        host + ":" + port,
                        target ->
                                TcpRelay.start(
                                        ns.name() + "-" + port,
                                        ns.store().hostAddress(),
                                        new InetSocketAddress(host, port)));
    }

    /** Sets the one-way delay of every relay of this namespace (its whole store link). */
    synchronized void delayStore(NetNamespace ns, Duration oneWay) {
        relays.getOrDefault(ns.name(), Map.of()).values().forEach(r -> r.delay(oneWay));
    }

    @Override
    public synchronized void close() {
        relays.values().forEach(m -> m.values().forEach(TcpRelay::close));
        relays.clear();
    }
}
