package io.chatroom.archiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.testsupport.AppStartup;
import org.junit.jupiter.api.Test;

/** The app declares the start-up secret check (io.chatroom.common.SecretCheck, tested there). */
class StartupSecretsTests {
    @Test
    void refusesTheBuiltInClusterKeyOutsideDevBeforeTouchingAStore() {
        // application.yaml's default is the dev-only key; no profile is active.
        assertThat(AppStartup.refusal(ArchiverApplication.class, "--chatroom.backup.cron=-"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CHATROOM_CLUSTER_KEY");
    }
}
