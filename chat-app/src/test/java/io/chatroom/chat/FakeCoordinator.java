package io.chatroom.chat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records the heartbeats and deregistrations a chat-app sends to its coordinators, and answers
 * {@code GET /api/servers} with {@link #servers} when set.
 */
final class FakeCoordinator implements AutoCloseable {

    /** One request as received. */
    record Request(String method, String path, String clusterKey, String body) {}

    final List<Request> requests = new CopyOnWriteArrayList<>();

    /** The answer to {@code GET /api/servers} (a JSON array); null: 204 like any other request. */
    volatile String servers;

    private final HttpServer server;

    FakeCoordinator() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext(
                "/",
                exchange -> {
                    String body =
                            new String(
                                    exchange.getRequestBody().readAllBytes(),
                                    StandardCharsets.UTF_8);
                    requests.add(
                            new Request(
                                    exchange.getRequestMethod(),
                                    exchange.getRequestURI().getPath(),
                                    exchange.getRequestHeaders().getFirst("X-Cluster-Key"),
                                    body));
                    String listing = servers;
                    if (listing != null
                            && exchange.getRequestMethod().equals("GET")
                            && exchange.getRequestURI().getPath().equals("/api/servers")) {
                        byte[] json = listing.getBytes(StandardCharsets.UTF_8);
                        exchange.getResponseHeaders().set("Content-Type", "application/json");
                        exchange.sendResponseHeaders(200, json.length);
                        exchange.getResponseBody().write(json);
                    } else {
                        exchange.sendResponseHeaders(204, -1);
                    }
                    exchange.close();
                });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
