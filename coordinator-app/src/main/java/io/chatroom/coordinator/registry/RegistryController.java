package io.chatroom.coordinator.registry;

import io.chatroom.common.ChatServerInfo;
import io.chatroom.common.ServerHeartbeat;
import io.chatroom.coordinator.metrics.MetricsHistory;
import io.chatroom.coordinator.registry.ServerRegistry.LiveServer;
import io.chatroom.coordinator.web.ApiException;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Heartbeats in, live servers and fail-over assignments out. */
@RestController
class RegistryController {
    static final String HEARTBEAT_PATH = "/api/servers/heartbeat";
    static final String SERVER_PATH = "/api/servers/{id}";

    private final ServerRegistry registry;
    private final MetricsHistory metrics;

    RegistryController(ServerRegistry registry, MetricsHistory metrics) {
        this.registry = registry;
        this.metrics = metrics;
    }

    @PostMapping(path = HEARTBEAT_PATH, consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void heartbeat(@RequestBody ServerHeartbeat heartbeat) {
        HeartbeatValidation.validate(heartbeat);
        registry.heartbeat(heartbeat);
        metrics.record(heartbeat);
    }

    @DeleteMapping(SERVER_PATH)
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void deregister(@PathVariable String id) {
        registry.deregister(id);
    }

    @GetMapping("/api/servers")
    List<LiveServer> servers() {
        return registry.live();
    }

    /** Another live server for a client whose server failed (Bearer-authenticated). */
    @GetMapping("/api/chat-server")
    ChatServerInfo chatServer(@RequestParam(required = false) String exclude) {
        LiveServer server =
                registry.assign(exclude)
                        .orElseThrow(
                                () ->
                                        new ApiException(
                                                HttpStatus.SERVICE_UNAVAILABLE,
                                                "No live chat server is available"));
        return new ChatServerInfo(server.id(), server.httpUrl(), server.wsUrl());
    }
}
