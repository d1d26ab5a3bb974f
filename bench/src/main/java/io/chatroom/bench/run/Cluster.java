package io.chatroom.bench.run;

import io.chatroom.bench.Console;
import io.chatroom.bench.client.CoordinatorClient;
import io.chatroom.bench.client.CoordinatorClient.ChatServer;
import io.chatroom.bench.client.CoordinatorClient.Login;
import io.chatroom.bench.client.StompClient;
import io.chatroom.bench.metrics.ServerProbe;
import io.chatroom.bench.stomp.StompFrames;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The cluster under test as the load generator sees it: one shared HTTP/WebSocket client on a small
 * executor, users logged in through the coordinator, and STOMP clients connected to chosen chat
 * servers.
 */
public final class Cluster implements AutoCloseable {
    /**
     * The WebSocket URL client {@code index} connects to: round robin over {@code servers} when
     * given, else the server its login was assigned; records the chosen server's HTTP URL in {@code
     * used} (for the CPU probes).
     */
    static String wsUrl(Login login, List<ChatServer> servers, int index, Set<String> used) {
        ChatServer server =
                servers == null || servers.isEmpty()
                        ? login.chatServer()
                        : servers.get(index % servers.size());
        used.add(server.httpUrl());
        return server.wsUrl();
    }

    private static final Duration HTTP_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final long CONNECT_TIMEOUT_SECONDS = 60;

    private final ExecutorService executor;
    private final HttpClient http;
    private final CoordinatorClient coordinator;
    private final Settings settings;
    private final Map<String, ServerProbe> probes = new HashMap<>();

    /** How to reach and log in to the cluster. */
    public record Settings(
            String coordinatorUrl,
            String origin,
            String userPrefix,
            String password,
            int loginConcurrency,
            int connectConcurrency,
            int ioThreads,
            Map<Integer, Long> pidsByPort,
            String redisUrl) {}

    public Cluster(Settings settings) {
        this.settings = settings;
        this.executor = Executors.newFixedThreadPool(settings.ioThreads(), daemonThreads());
        this.http =
                HttpClient.newBuilder()
                        .executor(executor)
                        .connectTimeout(HTTP_CONNECT_TIMEOUT)
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
        this.coordinator = new CoordinatorClient(http, settings.coordinatorUrl());
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        return r -> {
            Thread t = new Thread(r, "bench-io");
            t.setDaemon(true);
            return t;
        };
    }

    public HttpClient http() {
        return http;
    }

    public List<ChatServer> servers() throws IOException, InterruptedException {
        return coordinator.servers();
    }

    /** The probe of a chat server (pid from --server-pid, else by port, else actuator only). */
    public ServerProbe probe(ChatServer server) {
        return probe(server.httpUrl());
    }

    public ServerProbe probe(String httpUrl) {
        return probes.computeIfAbsent(
                httpUrl,
                url ->
                        new ServerProbe(
                                http,
                                url,
                                settings.pidsByPort().getOrDefault(URI.create(url).getPort(), 0L)));
    }

    /**
     * A CPU probe of the Redis server the cluster uses, when it runs on this machine, to show
     * whether Redis or the chat-app is the bottleneck.
     */
    public Optional<ServerProbe> redisProbe() {
        if (settings.redisUrl() == null || settings.redisUrl().isBlank()) {
            return Optional.empty();
        }
        ServerProbe p = probe(settings.redisUrl().replaceFirst("^redis", "http"));
        return p.pid() > 0 ? Optional.of(p) : Optional.empty();
    }

    /** Registers (if needed) and logs in users {@code <prefix>-<from>..}, a few at a time. */
    public List<Login> login(String group, int count) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(settings.loginConcurrency());
        try {
            List<Future<Login>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String username = settings.userPrefix() + group + i;
                futures.add(
                        pool.submit(
                                () -> coordinator.registerAndLogin(username, settings.password())));
            }
            List<Login> logins = new ArrayList<>();
            for (Future<Login> f : futures) {
                logins.add(f.get());
            }
            return logins;
        } catch (ExecutionException e) {
            throw new IllegalStateException("login failed: " + e.getCause().getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One connection to open: which token, which server, which sink. */
    public record Target(String token, String wsUrl, StompClient.MessageSink sink) {}

    /**
     * Opens all connections, at most {@code connectConcurrency} handshakes at a time, and returns
     * them in order. Fails if any connection fails.
     */
    public List<StompClient> connect(List<Target> targets) throws InterruptedException {
        Semaphore handshakes = new Semaphore(settings.connectConcurrency());
        List<CompletableFuture<StompClient>> futures = new ArrayList<>();
        for (Target t : targets) {
            handshakes.acquire();
            CompletableFuture<StompClient> f =
                    StompClient.connect(
                            http, URI.create(t.wsUrl()), settings.origin(), t.token(), t.sink());
            f.whenComplete((c, e) -> handshakes.release());
            futures.add(f);
        }
        List<StompClient> clients = new ArrayList<>();
        try {
            for (CompletableFuture<StompClient> f : futures) {
                clients.add(f.get(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS));
            }
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(
                    "connect failed after " + clients.size() + " connections: " + cause, e);
        }
        return clients;
    }

    /** Subscribes a publisher's acks and errors queues. */
    static void subscribeSenderQueues(StompClient client) {
        client.subscribe(StompFrames.SUB_ACKS, "/user/queue/acks");
        client.subscribe(StompFrames.SUB_ERRORS, "/user/queue/errors");
    }

    public void closeAll(List<StompClient> clients) {
        for (StompClient c : clients) {
            c.close();
        }
        Console.out("closed " + clients.size() + " connections");
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
