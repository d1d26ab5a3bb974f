package io.chatroom.coordinator.registry;

import io.chatroom.common.ChatRules;
import io.chatroom.coordinator.config.ChatroomProperties;
import io.chatroom.coordinator.web.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Lets only cluster members (holders of {@code chatroom.cluster-key} in {@code X-Cluster-Key})
 * reach the registry's write endpoints. It runs before the body is read, so a caller without the
 * key learns nothing about what a valid body looks like. The comparison takes the same time
 * wherever the keys differ (digests of equal length, compared with {@link MessageDigest#isEqual}).
 */
@Component
class ClusterKeyInterceptor implements HandlerInterceptor {
    private final byte[] expectedDigest;

    ClusterKeyInterceptor(ChatroomProperties properties) {
        this.expectedDigest = digest(properties.clusterKey());
    }

    @Override
    public boolean preHandle(
            HttpServletRequest request, HttpServletResponse response, Object handler) {
        String provided = request.getHeader(ChatRules.CLUSTER_KEY_HEADER);
        if (provided == null || !MessageDigest.isEqual(expectedDigest, digest(provided))) {
            throw new ApiException(
                    HttpStatus.UNAUTHORIZED,
                    "Missing or wrong " + ChatRules.CLUSTER_KEY_HEADER + " header");
        }
        return true;
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JVM has SHA-256", e);
        }
    }
}
