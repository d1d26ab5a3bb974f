package io.chatroom.chat;

import java.util.UUID;
import org.springframework.stereotype.Component;

/** This server's id: {@code chatroom.server-id}, or a random one chosen at start. */
@Component
public class ServerIdentity {
    private final String id;

    ServerIdentity(ChatroomProperties properties) {
        String configured = properties.serverId();
        this.id =
                configured == null || configured.isBlank()
                        ? "chat-" + UUID.randomUUID().toString().substring(0, 8)
                        : configured;
    }

    public String id() {
        return id;
    }
}
