package io.chatroom.bench.run;

import io.chatroom.bench.client.CoordinatorClient.ChatServer;
import io.chatroom.bench.client.CoordinatorClient.Login;
import io.chatroom.bench.client.StompClient;
import io.chatroom.bench.stomp.StompFrames;
import java.util.ArrayList;
import java.util.List;

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
