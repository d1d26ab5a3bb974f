package io.chatroom.coordinator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain HTTP client against one running coordinator, as a browser or script would call it. */
public final class TestHttp {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient client =
            HttpClient.newBuilder()
                    .connectTimeout(TIMEOUT)
                    .version(HttpClient.Version.HTTP_1_1)
                    .build();
    private final String base;

    public TestHttp(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    public HttpResponse<String> get(String path, Map<String, String> headers) {
        return send(request(path, headers).GET().build());
    }

    public HttpResponse<String> get(String path) {
        return get(path, Map.of());
    }

    public HttpResponse<String> postJson(String path, String json, Map<String, String> headers) {
        HttpRequest.Builder b = request(path, headers);
        b.header("Content-Type", "application/json");
        return send(b.POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public HttpResponse<String> postJson(String path, String json) {
        return postJson(path, json, Map.of());
    }

    public HttpResponse<String> post(
            String path, String contentType, String body, Map<String, String> headers) {
        HttpRequest.Builder b = request(path, headers);
        b.header("Content-Type", contentType);
        return send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Sends the body without a Content-Length (chunked transfer encoding). */
    public HttpResponse<String> postChunked(String path, byte[] body) {
        HttpRequest.Builder b = request(path, Map.of());
        b.header("Content-Type", "application/json");
        return send(
                b.POST(
                                HttpRequest.BodyPublishers.ofInputStream(
                                        () -> new ByteArrayInputStream(body)))
                        .build());
    }

    public HttpResponse<String> delete(String path, Map<String, String> headers) {
        return send(request(path, headers).DELETE().build());
    }

    public HttpResponse<String> method(String method, String path) {
        return send(
                request(path, Map.of())
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build());
    }

    public static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    public static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    private HttpRequest.Builder request(String path, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT);
        headers.forEach(b::header);
        return b;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("HTTP call failed: " + request, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
