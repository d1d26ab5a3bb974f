package io.chatroom.coordinator.auth;

import io.chatroom.common.ChatRules;
import io.chatroom.common.ChatServerInfo;
import io.chatroom.coordinator.registry.ServerRegistry;
import io.chatroom.coordinator.registry.ServerRegistry.LiveServer;
import io.chatroom.coordinator.web.ApiException;
import io.chatroom.coordinator.web.ApiException.FieldProblem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;

/**
 * Registration, login and logout. A failed login looks and costs the same whether or not the user
 * exists: one password hash check either way, one answer.
 */
@Service
class AuthService {
    static final String BAD_CREDENTIALS = "Wrong username or password";

    /** MDC key naming the user a log line is about (a JSON field in structured logs). */
    static final String MDC_USER = "chatroom.user";

    private static final Logger log = LoggerFactory.getLogger(AuthService.class);

    private final AccountRepository accounts;
    private final PasswordEncoder passwords;
    private final TokenService tokens;
    private final Revocations revocations;
    private final LoginThrottle throttle;
    private final RegistrationThrottle registrationThrottle;
    private final ServerRegistry registry;
    private final Clock clock;
    private final String dummyHash;
    private final Counter loginsOk;
    private final Counter loginsFailed;
    private final Counter loginsThrottled;
    private final Counter registrationsCreated;
    private final Counter registrationsThrottled;

    AuthService(
            AccountRepository accounts,
            PasswordEncoder passwords,
            TokenService tokens,
            Revocations revocations,
            LoginThrottle throttle,
            RegistrationThrottle registrationThrottle,
            ServerRegistry registry,
            Clock clock,
            MeterRegistry meters) {
        this.accounts = accounts;
        this.passwords = passwords;
        this.tokens = tokens;
        this.revocations = revocations;
        this.throttle = throttle;
        this.registrationThrottle = registrationThrottle;
        this.registry = registry;
        this.clock = clock;
        // Checked against when the user does not exist, so that case costs a real hash check too.
        this.dummyHash = passwords.encode(UUID.randomUUID().toString());
        this.loginsOk = loginCounter(meters, "ok");
        this.loginsFailed = loginCounter(meters, "failed");
        this.loginsThrottled = loginCounter(meters, "throttled");
        this.registrationsCreated = registrationCounter(meters, "created");
        this.registrationsThrottled = registrationCounter(meters, "throttled");
    }

    private static Counter loginCounter(MeterRegistry meters, String outcome) {
        return Counter.builder("chatroom.logins")
                .description("Login attempts by outcome")
                .tag("outcome", outcome)
                .register(meters);
    }

    private static Counter registrationCounter(MeterRegistry meters, String outcome) {
        return Counter.builder("chatroom.registrations")
                .description("Well-formed registration attempts by outcome")
                .tag("outcome", outcome)
                .register(meters);
    }

    /** Body of register and login requests. */
    record Credentials(String username, String password) {
        @Override
        public String toString() {
            return "Credentials[username=" + username + ", password=<hidden>]";
        }
    }

    /** Answer to a successful login. */
    record Login(String token, String username, Instant expiresAt, ChatServerInfo chatServer) {
        // Framework DEBUG logging prints returned bodies: never the token.
        @Override
        public String toString() {
            return "Login[username="
                    + username
                    + ", token=<hidden>, expiresAt="
                    + expiresAt
                    + ", chatServer="
                    + chatServer
                    + "]";
        }
    }

    /** Answer to a successful registration. */
    record Registered(String username) {}

    Registered register(Credentials credentials, String clientAddress) {
        List<FieldProblem> problems = new ArrayList<>();
        if (!ChatRules.isValidUsername(credentials.username())) {
            problems.add(
                    new FieldProblem("username", "must match " + ChatRules.USERNAME.pattern()));
        }
        if (!ChatRules.isValidPassword(credentials.password())) {
            problems.add(
                    new FieldProblem(
                            "password",
                            "must be "
                                    + ChatRules.PASSWORD_MIN
                                    + " to "
                                    + ChatRules.PASSWORD_MAX
                                    + " characters"));
        }
        if (!problems.isEmpty()) {
            throw ApiException.invalid(problems);
        }
        // Counted before the lookup and the hash: what a flood from one address must not get.
        Optional<Duration> refusal = registrationThrottle.refusal(clientAddress);
        if (refusal.isPresent()) {
            registrationsThrottled.increment();
            audit(credentials.username(), "registration throttled");
            throw throttled("Too many registrations from your address", refusal.get());
        }
        if (accounts.findByUsername(credentials.username()).isPresent()) {
            throw usernameTaken();
        }
        String hash = passwords.encode(credentials.password());
        try {
            accounts.saveAndFlush(new Account(credentials.username(), hash, clock.instant()));
        } catch (DataIntegrityViolationException e) {
            // Lost a race with a concurrent registration: the unique index on lower(username).
            throw usernameTaken();
        }
        registrationsCreated.increment();
        audit(credentials.username(), "account registered");
        return new Registered(credentials.username());
    }

    private static ApiException usernameTaken() {
        return new ApiException(
                HttpStatus.CONFLICT,
                "username: is already taken",
                List.of(new FieldProblem("username", "is already taken")),
                Map.of());
    }

    Login login(Credentials credentials, String clientAddress) {
        List<FieldProblem> problems = new ArrayList<>();
        if (credentials.username() == null || credentials.username().isEmpty()) {
            problems.add(new FieldProblem("username", "is required"));
        }
        if (credentials.password() == null || credentials.password().isEmpty()) {
            problems.add(new FieldProblem("password", "is required"));
        }
        if (!problems.isEmpty()) {
            throw ApiException.invalid(problems);
        }
        // Failures are counted after the hash, so a burst of parallel guesses can overshoot the
        // limit by what the hashing gate lets through at once; counting attempts up front instead
        // would throttle legitimate reconnect storms (many sessions of one user, one address).
        Optional<Duration> refusal = throttle.refusal(credentials.username(), clientAddress);
        if (refusal.isPresent()) {
            loginsThrottled.increment();
            audit(credentials.username(), "login throttled");
            throw throttled("Too many failed logins", refusal.get());
        }
        Optional<Account> account = accounts.findByUsername(credentials.username());
        boolean matches =
                passwords.matches(
                        credentials.password(),
                        account.map(Account::passwordHash).orElse(dummyHash));
        if (account.isEmpty() || !matches) {
            throttle.recordFailure(credentials.username(), clientAddress);
            loginsFailed.increment();
            audit(credentials.username(), "login failed");
            throw new ApiException(HttpStatus.UNAUTHORIZED, BAD_CREDENTIALS);
        }
        throttle.recordSuccess(credentials.username(), clientAddress);
        LiveServer server =
                registry.assign(null)
                        .orElseThrow(
                                () ->
                                        new ApiException(
                                                HttpStatus.SERVICE_UNAVAILABLE,
                                                "No live chat server is available"));
        String username = account.get().username();
        TokenService.IssuedToken token = tokens.issue(username);
        loginsOk.increment();
        audit(username, "logged in");
        return new Login(
                token.token(),
                username,
                token.expiresAt(),
                new ChatServerInfo(server.id(), server.httpUrl(), server.wsUrl()));
    }

    private static ApiException throttled(String reason, Duration wait) {
        // Round up: a client that waits Retry-After seconds must find the window over.
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        return new ApiException(
                HttpStatus.TOO_MANY_REQUESTS,
                reason + "; try again in " + seconds + " s",
                List.of(),
                Map.of(HttpHeaders.RETRY_AFTER, Long.toString(seconds)));
    }

    void logout(String username, String jti, Instant expiresAt) {
        revocations.revoke(jti, expiresAt);
        audit(username, "logged out");
    }

    /** One line per account event, the user as MDC field; never a password or token. */
    private static void audit(String username, String event) {
        // A failed login's username is unchecked input: no line breaks or other junk in the log.
        String shown = ChatRules.isValidUsername(username) ? username : "<invalid username>";
        try (MDC.MDCCloseable user = MDC.putCloseable(MDC_USER, shown)) {
            log.info("{}: {}", event, shown);
        }
    }
}
