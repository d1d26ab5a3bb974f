package io.chatroom.bench.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Registers and logs in benchmark users through the coordinator's REST API, like a browser does,
 * and lists live chat servers. Retries {@code 429} after its {@code Retry-After}.
 */
public final class CoordinatorClient {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_ATTEMPTS = 20;
    private static final long DEFAULT_RETRY_AFTER_SECONDS = 1;

    /** What a login returns: the token and the chat server the coordinator assigned. */
    public record Login(String username, String token, ChatServer chatServer) {}

    /** A live chat server as the coordinator lists it. */
    public record ChatServer(String id, String httpUrl, String wsUrl) {}

    private final HttpClient http;
    private final URI base;
    private final JsonMapper json = JsonMapper.builder().build();

    public CoordinatorClient(HttpClient http, String baseUrl) {
        this.http = http;
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    }

    /** Registers the user if it does not exist yet (409 is fine), then logs in. */
    public Login registerAndLogin(String username, String password)
            throws IOException, InterruptedException {
        String credentials =
                json.writeValueAsString(Map.of("username", username, "password", password));
        HttpResponse<String> registered = post("api/auth/register", credentials);
        if (registered.statusCode() != 201 && registered.statusCode() != 409) {
            throw new IOException(
                    "register "
                            + username
                            + ": "
                            + registered.statusCode()
                            + " "
                            + registered.body());
        }
        HttpResponse<String> login = post("api/auth/login", credentials);
        if (login.statusCode() != 200) {
            throw new IOException(
                    "login " + username + ": " + login.statusCode() + " " + login.body());
        }
        JsonNode body = json.readTree(login.body());
        return new Login(
                body.path("username").asString(),
                body.path("token").asString(),
                server(body.path("chatServer")));
    }

    /** The live chat servers, as {@code GET /api/servers} lists them. */
    public List<ChatServer> servers() throws IOException, InterruptedException {
        HttpRequest request =
                HttpRequest.newBuilder(base.resolve("api/servers"))
                        .timeout(REQUEST_TIMEOUT)
                        .GET()
                        .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /api/servers: " + response.statusCode());
        }
        List<ChatServer> servers = new ArrayList<>();
        for (JsonNode node : json.readTree(response.body())) {
            servers.add(server(node));
        }
        return servers;
    }

    private static ChatServer server(JsonNode node) {
        return new ChatServer(
                node.path("id").asString(),
                node.path("httpUrl").asString(),
                node.path("wsUrl").asString());
    }

    private HttpResponse<String> post(String path, String body)
            throws IOException, InterruptedException {
        HttpRequest request =
                HttpRequest.newBuilder(base.resolve(path))
                        .timeout(REQUEST_TIMEOUT)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
        HttpResponse<String> response = null;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 429) {
                return response;
            }
            long wait =
                    response.headers()
                            .firstValue("Retry-After")
                            .map(Long::parseLong)
                            .orElse(DEFAULT_RETRY_AFTER_SECONDS);
            TimeUnit.SECONDS.sleep(Math.max(wait, DEFAULT_RETRY_AFTER_SECONDS));
        }
        return response;
    }
}
