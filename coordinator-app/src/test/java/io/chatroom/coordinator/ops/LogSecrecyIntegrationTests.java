package io.chatroom.coordinator.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.coordinator.CoordinatorIntegrationTestBase;
import io.chatroom.coordinator.TestHttp;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Passwords, tokens and secrets never reach the log, even with DEBUG on for the app and for the web
 * and security frameworks (what an operator turns on to chase a problem).
 */
@ExtendWith(OutputCaptureExtension.class)
class LogSecrecyIntegrationTests extends CoordinatorIntegrationTestBase {
    private static final String PASSWORD = "Pa55word-that-must-not-leak";
    private static final String WRONG_PASSWORD = "Wr0ng-password-that-must-not-leak";
    private static final List<String> DEBUGGED =
            List.of("io.chatroom", "org.springframework.web", "org.springframework.security");

    private LoggingSystem logging;

    @BeforeEach
    void debug(@Autowired LoggingSystem loggingSystem) {
        logging = loggingSystem;
        DEBUGGED.forEach(name -> logging.setLogLevel(name, LogLevel.DEBUG));
    }

    @AfterEach
    void quiet() {
        DEBUGGED.forEach(name -> logging.setLogLevel(name, null));
    }

    @Test
    void registerLoginLogoutAndAFailedLoginLogNoSecret(CapturedOutput output) {
        String username = uniqueUsername();
        register(username, PASSWORD);
        heartbeat("log-server", 0);
        HttpResponse<String> login =
                http.postJson("/api/auth/login", credentials(username, PASSWORD));
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        String token = TestHttp.json(login).get("token").asString();
        assertThat(http.get("/api/chat-server", bearer(token)).statusCode()).isEqualTo(200);
        assertThat(http.postJson("/api/auth/logout", "", bearer(token)).statusCode())
                .isEqualTo(204);
        // The revoked token once more, and a wrong password.
        assertThat(http.postJson("/api/auth/logout", "", bearer(token)).statusCode())
                .isEqualTo(401);
        assertThat(
                        http.postJson("/api/auth/login", credentials(username, WRONG_PASSWORD))
                                .statusCode())
                .isEqualTo(401);

        String logged = output.getAll();
        // The events themselves are logged, with the user...
        assertThat(logged).contains("logged in: " + username, "logged out: " + username);
        assertThat(logged).contains("login failed: " + username);
        // ...but no credential, in whole or in part (a JWT's signature is its secret part).
        String signature = token.substring(token.lastIndexOf('.') + 1);
        assertThat(logged)
                .doesNotContain(PASSWORD)
                .doesNotContain(WRONG_PASSWORD)
                .doesNotContain(token)
                .doesNotContain(signature)
                .doesNotContain(env.authSecret())
                .doesNotContain(env.clusterKey());
    }
}
