package io.chatroom.stores;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.stores.StoreResolver.Profile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The resolver as the tests use it. The launcher's profile is covered by the launcher's own
 * StoreResolverTests, through the launcher's adapter.
 */
class StoreResolverTests {
    private static final PortProbe SILENT = (host, port) -> false;
    private static final PortProbe DEFAULTS_ANSWER =
            (host, port) ->
                    port == StoreResolver.DEFAULT_REDIS_PORT
                            || port == StoreResolver.DEFAULT_POSTGRES_PORT;

    @Test
    void testsStartEmbeddedStoresOnFreePortsEvenWhenTheDefaultPortsAreFree() {
        var resolver = new StoreResolver(StoreSettings.of(Map.of()), SILENT, Profile.TESTS);

        assertThat(resolver.redis()).isEqualTo(RedisPlan.embedded(StoreResolver.ANY_FREE_PORT));
        assertThat(resolver.postgres())
                .isEqualTo(PostgresPlan.embedded(StoreResolver.ANY_FREE_PORT));
    }

    @Test
    void testsUseAnsweringDefaultPortsAndThePostgresDatabaseToCreateTheirOwnFrom() {
        var resolver =
                new StoreResolver(StoreSettings.of(Map.of()), DEFAULTS_ANSWER, Profile.TESTS);

        assertThat(resolver.redis())
                .isEqualTo(RedisPlan.at(StoreSource.LOCAL, "redis://127.0.0.1:6379"));
        assertThat(resolver.postgres().jdbcUrl())
                .isEqualTo("jdbc:postgresql://127.0.0.1:5432/postgres");
    }

    @Test
    void embeddedAlwaysIsTheSwitchThatForcesEmbeddedStoresInTestsToo() {
        var resolver =
                new StoreResolver(
                        StoreSettings.of(Map.of("CHATROOM_EMBEDDED", "always")),
                        DEFAULTS_ANSWER,
                        Profile.TESTS);

        assertThat(resolver.redis().source()).isEqualTo(StoreSource.EMBEDDED);
        assertThat(resolver.postgres().source()).isEqualTo(StoreSource.EMBEDDED);
    }

    @Test
    void systemSettingsTakeSystemPropertiesInSpringFormBeforeTheEnvironment() {
        String name = "CHATROOM_STORES_TEST_SETTING";
        System.setProperty("chatroom.stores.test.setting", "from-property");
        try {
            assertThat(StoreSettings.system().get(name)).isEqualTo("from-property");
            System.setProperty(name, "exact-name");
            assertThat(StoreSettings.system().get(name)).isEqualTo("exact-name");
        } finally {
            System.clearProperty("chatroom.stores.test.setting");
            System.clearProperty(name);
        }
        assertThat(StoreSettings.system().get(name)).isNull();
    }

    @Test
    void blankSettingsCountAsUnset() {
        var resolver =
                new StoreResolver(
                        StoreSettings.of(Map.of("REDIS_URL", "  ", "CHATROOM_EMBEDDED", "")),
                        DEFAULTS_ANSWER,
                        Profile.TESTS);

        assertThat(resolver.mode()).isEqualTo(EmbeddedMode.AUTO);
        assertThat(resolver.redis().source()).isEqualTo(StoreSource.LOCAL);
    }
}
