package io.chatroom.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks an app's readiness probe ({@code /actuator/health/readiness}) how it is. */
final class HealthProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final int OK = 200;

    private final HttpClient http =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(TIMEOUT)
                    .build();

    Health check(int port) {
        HttpRequest request =
                HttpRequest.newBuilder(
                                URI.create(
                                        "http://"
                                                + StoreResolver.LOCALHOST
                                                + ":"
                                                + port
                                                + "/actuator/health/readiness"))
                        .timeout(TIMEOUT)
                        .GET()
                        .build();
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == OK && response.body().contains("\"UP\"")
                    ? Health.UP
                    : Health.DOWN;
        } catch (IOException e) {
            return Health.STARTING;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.STARTING;
        }
    }
}
