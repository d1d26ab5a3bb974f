package io.chatroom.chat;

import io.chatroom.common.SecretCheck;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

@SpringBootApplication
@ConfigurationPropertiesScan
public class ChatApplication {

    /**
     * Tomcat's WebSocket I/O buffers (input, output and UTF-8 encoder), allocated for every
     * connection; read once, when Tomcat's WebSocket classes load, so it is set before anything
     * starts. 2 KB instead of 8 KB saves 18 KB per idle connection (the output buffer serves only
     * batching and masking, which a server never does). A frame longer than this leaves as several
     * WebSocket fragments, which every WebSocket client joins, and one read takes at most this
     * much.
     */
    static final String TOMCAT_WEBSOCKET_BUFFER = "org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE";

    static final String TOMCAT_WEBSOCKET_BUFFER_BYTES = "2048";

    public static void main(String[] args) {
        useSmallWebSocketBuffers();
        SpringApplication.run(ChatApplication.class, args);
    }

    /** Outside the dev/local profiles, refuses to start with a weak token secret or cluster key. */
    @Bean
    static SecretCheck secretCheck(Environment environment) {
        return new SecretCheck(environment, SecretCheck.AUTH_SECRET, SecretCheck.CLUSTER_KEY);
    }

    /** Sets Tomcat's WebSocket I/O buffer size, unless the command line did. */
    static void useSmallWebSocketBuffers() {
        if (System.getProperty(TOMCAT_WEBSOCKET_BUFFER) == null) {
            System.setProperty(TOMCAT_WEBSOCKET_BUFFER, TOMCAT_WEBSOCKET_BUFFER_BYTES);
        }
    }
}
