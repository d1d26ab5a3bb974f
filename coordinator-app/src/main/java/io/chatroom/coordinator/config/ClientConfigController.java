package io.chatroom.coordinator.config;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Tells the web UI where the other public services live. */
@RestController
class ClientConfigController {

    /** Public settings the browser needs. */
    record ClientConfig(String archiverUrl) {}

    private final ClientConfig config;

    ClientConfigController(ChatroomProperties properties) {
        this.config = new ClientConfig(properties.archiverUrl());
    }

    @GetMapping("/api/config")
    ClientConfig config() {
        return config;
    }
}
