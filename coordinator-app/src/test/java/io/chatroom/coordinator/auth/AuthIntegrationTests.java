package io.chatroom.coordinator.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.coordinator.CoordinatorIntegrationTestBase;
import io.chatroom.coordinator.TestHttp;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Register, login, throttling and logout against a running coordinator. */
class AuthIntegrationTests extends CoordinatorIntegrationTestBase {
    private static final String PASSWORD = "correct horse battery";

    @Autowired private JdbcTemplate jdbc;

    @Test
    void registersOnceRegardlessOfCase() {
        String username = uniqueUsername();
        HttpResponse<String> created =
                http.postJson("/api/auth/register", credentials(username, PASSWORD));
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(TestHttp.json(created).get("username").asString()).isEqualTo(username);

        HttpResponse<String> again =
                http.postJson("/api/auth/register", credentials(username.toUpperCase(), PASSWORD));
        assertThat(again.statusCode()).isEqualTo(409);
        assertProblem(again, 409);
        assertThat(TestHttp.json(again).get("field").asString()).isEqualTo("username");
    }

    @Test
    void concurrentRegistrationsOfOneNameLetExactlyOneWin() throws Exception {
        String username = uniqueUsername();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String spelling = i % 2 == 0 ? username : username.toUpperCase();
                calls.add(
                        () ->
                                new TestHttp(port)
                                        .postJson(
                                                "/api/auth/register",
                                                credentials(spelling, PASSWORD))
                                        .statusCode());
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : pool.invokeAll(calls)) {
                statuses.add(f.get());
            }
            assertThat(statuses).containsOnly(201, 409);
            assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        Integer rows =
                jdbc.queryForObject(
                        "select count(*) from coordinator.account where lower(username) = ?",
                        Integer.class,
                        username.toLowerCase());
        assertThat(rows).isEqualTo(1);
    }

    @Test
    void passwordsAreStoredOnlyAsArgon2idHashes() {
        String username = uniqueUsername();
        register(username, PASSWORD);
        String hash =
                jdbc.queryForObject(
                        "select password_hash from coordinator.account where username = ?",
                        String.class,
                        username);
        assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain(PASSWORD);
    }

    @Test
    void refusesInvalidRegistrationsNamingTheField() {
        HttpResponse<String> badName =
                http.postJson("/api/auth/register", credentials("a b", PASSWORD));
        assertProblem(badName, 400);
        assertThat(TestHttp.json(badName).get("field").asString()).isEqualTo("username");

        HttpResponse<String> shortPassword =
                http.postJson("/api/auth/register", credentials(uniqueUsername(), "short"));
        assertProblem(shortPassword, 400);
        assertThat(TestHttp.json(shortPassword).get("field").asString()).isEqualTo("password");

        HttpResponse<String> longPassword =
                http.postJson("/api/auth/register", credentials(uniqueUsername(), "x".repeat(129)));
        assertProblem(longPassword, 400);
        assertThat(TestHttp.json(longPassword).get("field").asString()).isEqualTo("password");

        HttpResponse<String> missing = http.postJson("/api/auth/register", "{}");
        assertProblem(missing, 400);
        assertThat(TestHttp.json(missing).get("errors")).hasSize(2);
    }

    @Test
    void acceptsTheLongestAllowedPassword() {
        String username = uniqueUsername();
        String longest = "é".repeat(128); // 256 bytes in UTF-8: beyond bcrypt's 72-byte limit
        register(username, longest);
        heartbeat("s1", 0);
        assertThat(http.postJson("/api/auth/login", credentials(username, longest)).statusCode())
                .isEqualTo(200);
    }

    @Test
    void logsInAndGetsTheLeastLoadedServer() {
        String username = uniqueUsername();
        register(username, PASSWORD);
        heartbeat("busy", 10);
        heartbeat("idle", 1);

        HttpResponse<String> login =
                http.postJson("/api/auth/login", credentials(username.toUpperCase(), PASSWORD));
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        JsonNode body = TestHttp.json(login);
        assertThat(body.get("username").asString()).isEqualTo(username);
        assertThat(body.get("token").asString()).isNotBlank();
        assertThat(Instant.parse(body.get("expiresAt").asString())).isAfter(Instant.now());
        assertThat(body.get("chatServer").get("id").asString()).isEqualTo("idle");
        assertThat(body.get("chatServer").get("httpUrl").asString())
                .isEqualTo("http://127.0.0.1:9/idle");
        assertThat(body.get("chatServer").get("wsUrl").asString())
                .isEqualTo("ws://127.0.0.1:9/idle/ws");
    }

    @Test
    void wrongCredentialsGetOneAnswerWhetherOrNotTheUserExists() {
        String username = uniqueUsername();
        register(username, PASSWORD);
        heartbeat("s1", 0);

        HttpResponse<String> wrongPassword =
                http.postJson("/api/auth/login", credentials(username, "not the password"));
        HttpResponse<String> unknownUser =
                http.postJson("/api/auth/login", credentials(uniqueUsername(), PASSWORD));

        assertProblem(wrongPassword, 401);
        assertProblem(unknownUser, 401);
        assertThat(wrongPassword.body()).isEqualTo(unknownUser.body());
    }

    @Test
    void loginWithoutALiveServerIs503() {
        String username = uniqueUsername();
        register(username, PASSWORD);
        assertProblem(http.postJson("/api/auth/login", credentials(username, PASSWORD)), 503);
    }

    @Test
    void repeatedFailuresForOneUsernameAtOneAddressAreRefusedWithRetryAfter() {
        String username = uniqueUsername();
        register(username, PASSWORD);
        heartbeat("s1", 0);
        for (int i = 0; i < 5; i++) {
            assertProblem(
                    http.postJson("/api/auth/login", credentials(username, "wrong-" + i)), 401);
        }
        // Even the right password is refused from this address for the rest of the window.
        HttpResponse<String> refused =
                http.postJson("/api/auth/login", credentials(username, PASSWORD));
        assertProblem(refused, 429);
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 60L);
        assertThat(
                        redis.getExpire(
                                keys.loginFailures(
                                        "user:" + username.toLowerCase() + ":addr:127.0.0.1")))
                .isPositive()
                .isLessThanOrEqualTo(60);

        // Another user from the same address is not affected by this username's counter.
        String other = uniqueUsername();
        register(other, PASSWORD);
        heartbeat("s1", 0);
        assertThat(http.postJson("/api/auth/login", credentials(other, PASSWORD)).statusCode())
                .isEqualTo(200);
    }

    @Test
    void theOwnerLogsInFromAnotherAddressWhileTheAttackersAddressIsThrottled() {
        String victim = uniqueUsername();
        register(victim, PASSWORD);
        heartbeat("s1", 0);
        Map<String, String> attacker = from("203.0.113.7");
        Map<String, String> owner = from("198.51.100.20");

        // Guessing the victim's password: refused after 5 failures, for this address only.
        for (int i = 0; i < 5; i++) {
            assertProblem(
                    http.postJson("/api/auth/login", credentials(victim, "guess-" + i), attacker),
                    401);
        }
        HttpResponse<String> refused =
                http.postJson("/api/auth/login", credentials(victim, "guess-5"), attacker);
        assertProblem(refused, 429);
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()))
                .isBetween(1L, 60L);
        assertLogsIn(victim, owner);

        // Spraying other usernames uses up the address's 8 failures: all of it is refused now.
        for (int i = 0; i < 3; i++) {
            assertProblem(
                    http.postJson(
                            "/api/auth/login", credentials(uniqueUsername(), PASSWORD), attacker),
                    401);
        }
        HttpResponse<String> addressRefused =
                http.postJson("/api/auth/login", credentials(uniqueUsername(), PASSWORD), attacker);
        assertProblem(addressRefused, 429);
        assertThat(addressRefused.headers().firstValue("Retry-After")).isPresent();

        // The owner, elsewhere, still gets in; the owner's success does not free the attacker.
        assertLogsIn(victim, owner);
        assertProblem(
                http.postJson("/api/auth/login", credentials(victim, "guess-6"), attacker), 429);
    }

    private void assertLogsIn(String username, Map<String, String> headers) {
        HttpResponse<String> login =
                http.postJson("/api/auth/login", credentials(username, PASSWORD), headers);
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
    }

    @Test
    void aRegistrationFloodFromOneAddressGets429WithRetryAfter() throws Exception {
        int attempts = MAX_REGISTRATIONS + 6;
        List<Callable<HttpResponse<String>>> flood = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
            flood.add(
                    () ->
                            new TestHttp(port)
                                    .postJson(
                                            "/api/auth/register",
                                            credentials(uniqueUsername(), PASSWORD),
                                            from("203.0.113.50")));
        }
        List<HttpResponse<String>> answers = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (Future<HttpResponse<String>> f : pool.invokeAll(flood)) {
                answers.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }

        // Counted before hashing, so parallel requests cannot overshoot the limit.
        assertThat(answers).filteredOn(r -> r.statusCode() == 201).hasSize(MAX_REGISTRATIONS);
        List<HttpResponse<String>> refused =
                answers.stream().filter(r -> r.statusCode() != 201).toList();
        assertThat(refused).hasSize(attempts - MAX_REGISTRATIONS);
        for (HttpResponse<String> r : refused) {
            assertProblem(r, 429);
            long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
            assertThat(retryAfter).isBetween(1L, 600L);
        }
        // Other addresses register as usual.
        assertThat(
                        http.postJson(
                                        "/api/auth/register",
                                        credentials(uniqueUsername(), PASSWORD),
                                        from("198.51.100.21"))
                                .statusCode())
                .isEqualTo(201);
    }

    @Test
    void repeatedFailuresFromOneAddressAreRefusedWithRetryAfter() {
        String username = uniqueUsername();
        register(username, PASSWORD);
        heartbeat("s1", 0);
        for (int i = 0; i < 8; i++) {
            assertProblem(
                    http.postJson("/api/auth/login", credentials(uniqueUsername(), "x".repeat(8))),
                    401);
        }
        HttpResponse<String> refused =
                http.postJson("/api/auth/login", credentials(username, PASSWORD));
        assertProblem(refused, 429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void logoutRevokesTheTokenInRedisAndPostgres() {
        String token = loggedInToken(http);
        Map<String, String> auth = bearer(token);
        assertThat(http.get("/api/chat-server", auth).statusCode()).isEqualTo(200);

        assertThat(http.postJson("/api/auth/logout", "", auth).statusCode()).isEqualTo(204);

        assertProblem(http.get("/api/chat-server", auth), 401);
        assertProblem(http.postJson("/api/auth/logout", "", auth), 401);
        Integer rows =
                jdbc.queryForObject(
                        "select count(*) from coordinator.revoked_token where expires_at > now()",
                        Integer.class);
        assertThat(rows).isPositive();
    }

    @Test
    void aLogoutStaysInForceWhenRedisComesBackWithoutIt() {
        String token = loggedInToken(http);
        Map<String, String> auth = bearer(token);
        assertThat(http.postJson("/api/auth/logout", "", auth).statusCode()).isEqualTo(204);

        // Redis rolled back to before the logout, its epoch intact: nothing is restored.
        String payload =
                new String(
                        Base64.getUrlDecoder().decode(token.split("\\.")[1]),
                        StandardCharsets.UTF_8);
        String jti = JsonMapper.builder().build().readTree(payload).get("jti").asString();
        assertThat(redis.delete(keys.revokedToken(jti))).isTrue();

        assertProblem(http.get("/api/chat-server", auth), 401);
    }

    @Test
    void bearerEndpointsRefuseMissingOrForgedTokens() {
        assertProblem(http.get("/api/chat-server"), 401);
        assertProblem(http.get("/api/chat-server", bearer("not.a.jwt")), 401);
        assertProblem(http.postJson("/api/auth/logout", ""), 401);
        // A stale token on a public endpoint does not matter.
        assertThat(http.get("/api/servers", bearer("not.a.jwt")).statusCode()).isEqualTo(200);
    }

    static void assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse(""))
                .startsWith("application/problem+json");
        JsonNode body = TestHttp.json(response);
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("title").asString()).isNotBlank();
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
