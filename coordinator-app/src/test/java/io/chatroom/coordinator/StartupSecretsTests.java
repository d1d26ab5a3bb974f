package io.chatroom.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.testsupport.AppStartup;
import org.junit.jupiter.api.Test;

/** The app declares the start-up secret check (io.chatroom.common.SecretCheck, tested there). */
class StartupSecretsTests {
    private static final String STRONG = "a-strong-random-secret-0123456789abcdef0123";

    @Test
    void refusesTheBuiltInSecretsOutsideDevBeforeTouchingAStore() {
        // application.yaml's defaults are the dev-only secrets; no profile is active.
        assertThat(AppStartup.refusal(CoordinatorApplication.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CHATROOM_AUTH_SECRET");
        assertThat(
                        AppStartup.refusal(
                                CoordinatorApplication.class, "--chatroom.auth.secret=" + STRONG))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CHATROOM_CLUSTER_KEY");
    }
}
