package io.chatroom.common;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SecretsTests {

    @Test
    void defaultSecretIsRefusedOutsideDevWithAHint() {
        assertThatThrownBy(
                        () ->
                                Secrets.requireStrong(
                                        "chatroom.auth.secret",
                                        "dev-only-auth-secret-0123456789abcdef",
                                        false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CHATROOM_AUTH_SECRET")
                .hasMessageNotContaining("0123456789abcdef");
    }

    @Test
    void shortSecretIsRefused() {
        assertThatThrownBy(() -> Secrets.requireStrong("chatroom.cluster-key", "short", false))
                .hasMessageContaining("shorter than 32 bytes");
    }

    @Test
    void strongSecretOrDevProfilePasses() {
        assertThatCode(() -> Secrets.requireStrong("x", "k".repeat(32), false))
                .doesNotThrowAnyException();
        assertThatCode(() -> Secrets.requireStrong("x", "dev-only-x", true))
                .doesNotThrowAnyException();
    }
}
