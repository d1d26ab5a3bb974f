package io.chatroom.chat;

import io.chatroom.testsupport.TestInfra;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** One chat-app started on a random port against a shared {@link TestInfra.Env}. */
final class ChatNode implements AutoCloseable {
    final ConfigurableApplicationContext context;
    final String serverId;

    private ChatNode(ConfigurableApplicationContext context, String serverId) {
        this.context = context;
        this.serverId = serverId;
    }

    static ChatNode start(
            TestInfra.Env env, String serverId, String coordinatorUrl, Map<String, Object> extra) {
        // The buffer size the jar runs with (read once, by the first app the test JVM starts).
        ChatApplication.useSmallWebSocketBuffers();
        Map<String, Object> props = new HashMap<>();
        props.put("server.port", "0");
        props.put("spring.main.banner-mode", "off");
        props.put("spring.data.redis.url", env.redisUrl());
        props.put("spring.datasource.url", env.database().jdbcUrl());
        props.put("spring.datasource.username", env.database().username());
        props.put("spring.datasource.password", env.database().password());
        props.put("chatroom.redis.key-prefix", env.keyPrefix());
        props.put("chatroom.auth.secret", env.authSecret());
        props.put("chatroom.cluster-key", env.clusterKey());
        props.put("chatroom.server-id", serverId);
        props.put("chatroom.coordinator.urls", coordinatorUrl);
        props.put("chatroom.relay.sync-interval", "500ms");
        props.putAll(extra);
        // As command-line arguments: they override application.yaml (default properties do not).
        String[] args =
                props.entrySet().stream()
                        .map(e -> "--" + e.getKey() + "=" + e.getValue())
                        .toArray(String[]::new);
        ConfigurableApplicationContext context =
                new SpringApplicationBuilder(ChatApplication.class).run(args);
        return new ChatNode(context, serverId);
    }

    int port() {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    String wsUrl() {
        return "ws://127.0.0.1:" + port() + "/ws";
    }

    @Override
    public void close() {
        context.close();
    }
}
