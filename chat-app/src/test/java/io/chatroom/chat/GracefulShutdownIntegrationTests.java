package io.chatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatroom.testsupport.TestInfra;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A chat-app that stops gracefully deregisters and closes its sessions with 1001. */
class GracefulShutdownIntegrationTests {

    @Test
    void aGracefulStopDeregistersAndClosesSessionsWithGoingAway() {
        try (FakeCoordinator coordinator = new FakeCoordinator()) {
            TestInfra.Env env = TestInfra.newEnv();
            ChatNode node = ChatNode.start(env, "node-stop", coordinator.url(), Map.of());
            Tokens tokens = new Tokens(env.authSecret());
            StompTestClient client = StompTestClient.connected(node.wsUrl(), tokens.valid("goer"));
            await().atMost(Duration.ofSeconds(10))
                    .until(
                            () ->
                                    coordinator.requests.stream()
                                            .anyMatch(r -> r.body().contains("\"connections\":1")));

            node.close();

            assertThat(client.closed).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(1001);
            assertThat(coordinator.requests)
                    .anySatisfy(
                            r -> {
                                assertThat(r.method()).isEqualTo("DELETE");
                                assertThat(r.path()).isEqualTo("/api/servers/node-stop");
                                assertThat(r.clusterKey()).isEqualTo(env.clusterKey());
                            });
        }
    }
}
