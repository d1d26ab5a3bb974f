package io.chatroom.common;

import static org.assertj.core.api.Assertions.assertThat;
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

    @Test
    void theActiveProfilesDecideWhetherDevSecretsAreAccepted() {
        String devSecret = "dev-only-auth-secret-0123456789abcdef";
        assertThatCode(() -> Secrets.requireStrong("x", devSecret, "prod", "dev"))
                .doesNotThrowAnyException();
        assertThatCode(() -> Secrets.requireStrong("x", devSecret, "local"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> Secrets.requireStrong("chatroom.cluster-key", devSecret))
                .hasMessageContaining("CHATROOM_CLUSTER_KEY");
        assertThatThrownBy(() -> Secrets.requireStrong("x", devSecret, "prod", "development"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Secrets.requireStrong("x", "short", (String[]) null))
                .hasMessageContaining("shorter than 32 bytes");
    }

    @Test
    void devMeansTheDevOrLocalProfile() {
        assertThat(Secrets.isDev("dev")).isTrue();
        assertThat(Secrets.isDev("cloud", "local")).isTrue();
        assertThat(Secrets.isDev()).isFalse();
        assertThat(Secrets.isDev("DEV", "default")).isFalse();
        assertThat(Secrets.isDev((String[]) null)).isFalse();
    }
}
