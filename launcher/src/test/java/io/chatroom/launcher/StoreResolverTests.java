package io.chatroom.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatroom.stores.PortProbe;
import io.chatroom.stores.PostgresPlan;
import io.chatroom.stores.RedisPlan;
import io.chatroom.stores.StoreSource;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StoreResolverTests {

    /** A network where exactly the given local ports answer; remembers what was asked. */
    private static final class FakeNetwork implements PortProbe {
        private final Set<Integer> open;
        private final Set<Integer> asked = new HashSet<>();

        FakeNetwork(Integer... open) {
            this.open = Set.of(open);
        }

        @Override
        public boolean answers(String host, int port) {
            asked.add(port);
            return StoreResolver.LOCALHOST.equals(host) && open.contains(port);
        }
    }

    private static final FakeNetwork BOTH_DEFAULTS_ANSWER = new FakeNetwork(6379, 5432);

    @Test
    void explicitRedisUrlBeatsAnAnsweringDefaultPort() {
        var resolver =
                new StoreResolver(Map.of("REDIS_URL", "redis://cache:6380"), BOTH_DEFAULTS_ANSWER);

        assertThat(resolver.redis())
                .isEqualTo(RedisPlan.at(StoreSource.EXPLICIT, "redis://cache:6380"));
    }

    @Test
    void springRedisHostAndPortMakeAnExplicitUrl() {
        var resolver =
                new StoreResolver(
                        Map.of("SPRING_DATA_REDIS_HOST", "cache", "SPRING_DATA_REDIS_PORT", "7000"),
                        BOTH_DEFAULTS_ANSWER);

        assertThat(resolver.redis().url()).isEqualTo("redis://cache:7000");
        assertThat(resolver.redis().source()).isEqualTo(StoreSource.EXPLICIT);
    }

    @Test
    void explicitDatabaseUrlBeatsAnAnsweringDefaultPortAndCarriesCredentials() {
        var resolver =
                new StoreResolver(
                        Map.of(
                                "DATABASE_URL", "jdbc:postgresql://db:5433/chat",
                                "SPRING_DATASOURCE_USERNAME", "chat",
                                "SPRING_DATASOURCE_PASSWORD", "s3cret"),
                        BOTH_DEFAULTS_ANSWER);

        assertThat(resolver.postgres())
                .isEqualTo(
                        PostgresPlan.at(
                                StoreSource.EXPLICIT,
                                "jdbc:postgresql://db:5433/chat",
                                "chat",
                                "s3cret"));
    }

    @Test
    void hostingStyleDatabaseUrlBecomesJdbcWithItsCredentials() {
        var resolver =
                new StoreResolver(
                        Map.of("DATABASE_URL", "postgres://app:p%40ss@db.example:6543/chat"),
                        BOTH_DEFAULTS_ANSWER);

        PostgresPlan plan = resolver.postgres();

        assertThat(plan.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/chat");
        assertThat(plan.username()).isEqualTo("app");
        assertThat(plan.password()).isEqualTo("p@ss");
        assertThat(plan.toString()).doesNotContain("p@ss");
    }

    @Test
    void answeringDefaultPortsAreUsedWhenNothingIsGiven() {
        var resolver = new StoreResolver(Map.of(), BOTH_DEFAULTS_ANSWER);

        assertThat(resolver.redis())
                .isEqualTo(RedisPlan.at(StoreSource.LOCAL, "redis://127.0.0.1:6379"));
        assertThat(resolver.postgres())
                .isEqualTo(
                        PostgresPlan.at(
                                StoreSource.LOCAL,
                                "jdbc:postgresql://127.0.0.1:5432/chatroom",
                                "postgres",
                                ""));
    }

    @Test
    void silentDefaultPortsMeanEmbeddedStoresOnThoseDefaultPorts() {
        var resolver = new StoreResolver(Map.of(), new FakeNetwork());

        assertThat(resolver.redis()).isEqualTo(RedisPlan.embedded(6379));
        assertThat(resolver.postgres()).isEqualTo(PostgresPlan.embedded(5432));
    }

    @Test
    void embeddedAlwaysIgnoresAnsweringDefaultPortsAndPicksFreePorts() {
        var resolver =
                new StoreResolver(Map.of("CHATROOM_EMBEDDED", "always"), BOTH_DEFAULTS_ANSWER);

        assertThat(resolver.redis()).isEqualTo(RedisPlan.embedded(StoreResolver.ANY_FREE_PORT));
        assertThat(resolver.postgres())
                .isEqualTo(PostgresPlan.embedded(StoreResolver.ANY_FREE_PORT));
    }

    @Test
    void embeddedAlwaysStillLetsExplicitSettingsWin() {
        var resolver =
                new StoreResolver(
                        Map.of("CHATROOM_EMBEDDED", "ALWAYS", "REDIS_URL", "redis://cache:6379"),
                        BOTH_DEFAULTS_ANSWER);

        assertThat(resolver.redis().source()).isEqualTo(StoreSource.EXPLICIT);
    }

    @Test
    void chosenEmbeddedPortsAreUsed() {
        var resolver =
                new StoreResolver(
                        Map.of(
                                "CHATROOM_EMBEDDED", "always",
                                "CHATROOM_REDIS_PORT", "16379",
                                "CHATROOM_POSTGRES_PORT", "15432"),
                        BOTH_DEFAULTS_ANSWER);

        assertThat(resolver.redis()).isEqualTo(RedisPlan.embedded(16379));
        assertThat(resolver.postgres()).isEqualTo(PostgresPlan.embedded(15432));
    }

    @Test
    void embeddedNeverFailsWithAMessageThatSaysWhatToSet() {
        var resolver = new StoreResolver(Map.of("CHATROOM_EMBEDDED", "never"), new FakeNetwork());

        assertThatThrownBy(resolver::redis)
                .isInstanceOf(LauncherException.class)
                .hasMessageContaining("REDIS_URL");
        assertThatThrownBy(resolver::postgres)
                .isInstanceOf(LauncherException.class)
                .hasMessageContaining("DATABASE_URL");
    }

    @Test
    void explicitSettingsDoNotTouchTheNetwork() {
        var network = new FakeNetwork(6379, 5432);
        var resolver =
                new StoreResolver(
                        Map.of(
                                "REDIS_URL",
                                "redis://cache:6379",
                                "DATABASE_URL",
                                "jdbc:postgresql://db/x"),
                        network);

        resolver.redis();
        resolver.postgres();

        assertThat(network.asked).isEmpty();
    }

    @Test
    void unknownEmbeddedModeIsRefusedClearly() {
        assertThatThrownBy(
                        () ->
                                new StoreResolver(
                                        Map.of("CHATROOM_EMBEDDED", "sometimes"),
                                        new FakeNetwork()))
                .isInstanceOf(LauncherException.class)
                .hasMessageContaining("auto, always or never");
    }
}
