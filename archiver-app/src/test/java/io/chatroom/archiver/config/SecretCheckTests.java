package io.chatroom.archiver.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

class SecretCheckTests {
    private static final String DEFAULT_KEY = "dev-only-cluster-key-0123456789abcdef0123";

    @Test
    void refusesTheDefaultOrAShortKeyOutsideDev() {
        assertThatThrownBy(() -> new SecretCheck(withKey(DEFAULT_KEY), new MockEnvironment()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chatroom.cluster-key");
        assertThatThrownBy(() -> new SecretCheck(withKey("short"), new MockEnvironment()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void acceptsTheDefaultInDevAndAStrongKeyAnywhere() {
        MockEnvironment dev = new MockEnvironment();
        dev.setActiveProfiles("dev");
        assertThatCode(() -> new SecretCheck(withKey(DEFAULT_KEY), dev)).doesNotThrowAnyException();
        assertThatCode(() -> new SecretCheck(withKey("x".repeat(48)), new MockEnvironment()))
                .doesNotThrowAnyException();
    }

    private static ChatroomProperties withKey(String key) {
        return new ChatroomProperties(key, List.of(), null, null, null, null);
    }
}
