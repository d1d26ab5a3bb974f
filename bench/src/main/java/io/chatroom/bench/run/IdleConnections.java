package io.chatroom.bench.run;

import io.chatroom.bench.client.CoordinatorClient.ChatServer;
import io.chatroom.bench.client.CoordinatorClient.Login;
import io.chatroom.bench.client.StompClient;
import io.chatroom.bench.metrics.ServerProbe;
import io.chatroom.bench.stomp.StompFrames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Many connections that subscribe to one of a few rooms and then stay quiet, to measure what an
 * idle user costs a chat server. Tokens are shared round-robin by {@code users} logins (one user
 * with many tabs), since logging in 10,000 users would measure password hashing instead.
 */
public final class IdleConnections {
    private static final StompClient.MessageSink IGNORE = (sub, frame, from, to) -> {};

    private final Cluster cluster;
    private final ChatServer server;
    private final String roomPrefix;
    private final int rooms;
    private final int users;
    private final int connections;
    private final List<StompClient> clients = new ArrayList<>();

    public IdleConnections(
            Cluster cluster,
            ChatServer server,
            String roomPrefix,
            int rooms,
            int users,
            int connections) {
        this.cluster = cluster;
        this.server = server;
        this.roomPrefix = roomPrefix;
        this.rooms = rooms;
        this.users = users;
        this.connections = connections;
    }

    /**
     * The server's CPU over {@code seconds} of doing nothing for its clients: milliseconds of CPU
     * per second in all, and per thread group (seconds over the whole window).
     */
    public static Map<String, Object> idleCpu(ServerProbe probe, int seconds)
            throws InterruptedException {
        Map<String, Object> idle = new LinkedHashMap<>();
        List<ServerProbe> probes = List.of(probe);
        OptionalLong before = FanOut.sumCpu(probes);
        Map<String, Long> threadsBefore = FanOut.cpuByThread(probes);
        long start = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        OptionalLong after = FanOut.sumCpu(probes);
        double elapsed = (System.nanoTime() - start) / 1e9;
        idle.put("seconds", Math.round(elapsed * 100) / 100.0);
        if (before.isPresent() && after.isPresent()) {
            double millisPerSecond = (after.getAsLong() - before.getAsLong()) / 1e6 / elapsed;
            idle.put("cpuMillisPerSecond", Math.round(millisPerSecond * 10) / 10.0);
        }
        idle.put(
                "threadCpuSeconds", FanOut.topThreadCpu(threadsBefore, FanOut.cpuByThread(probes)));
        return idle;
    }

    public void open() throws InterruptedException {
        List<Login> logins = cluster.login("i", Math.max(1, Math.min(users, connections)));
        List<Cluster.Target> targets = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            targets.add(
                    new Cluster.Target(
                            logins.get(i % logins.size()).token(), server.wsUrl(), IGNORE));
        }
        clients.addAll(cluster.connect(targets));
        for (int i = 0; i < clients.size(); i++) {
            clients.get(i)
                    .subscribe(StompFrames.SUB_ROOM, "/topic/rooms/" + roomPrefix + (i % rooms));
        }
    }

    public int openCount() {
        return (int) clients.stream().filter(StompClient::isOpen).count();
    }

    public void close() {
        cluster.closeAll(clients);
    }
}
