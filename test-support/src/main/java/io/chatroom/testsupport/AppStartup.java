package io.chatroom.testsupport;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starting a whole app in a test, for what it refuses at start-up. */
public final class AppStartup {
    private AppStartup() {}

    /**
     * Starts {@code app} with no profile active, any port and stores that point nowhere (arguments
     * outrank application.yaml), and returns why it refused to start. A refusal that comes before
     * any connection to a store is the only one that names a setting rather than a store.
     *
     * @throws AssertionError when the app started
     */
    public static RuntimeException refusal(Class<?> app, String... args) {
        List<String> all =
                new ArrayList<>(
                        List.of(
                                "--server.port=0",
                                "--spring.data.redis.url=redis://127.0.0.1:1",
                                "--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/nowhere"));
        all.addAll(List.of(args));
        try (ConfigurableApplicationContext started =
                new SpringApplicationBuilder(app).run(all.toArray(String[]::new))) {
            throw new AssertionError(app.getSimpleName() + " started: " + started.getId());
        } catch (RuntimeException refused) {
            return refused;
        }
    }
}
