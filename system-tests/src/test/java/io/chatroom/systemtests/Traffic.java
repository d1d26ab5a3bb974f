package io.chatroom.systemtests;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages sent by many clients at once, each client to its first room, with a bounded number in
 * flight and a steady pace, so that faults land mid-stream. Unacked messages are re-sent with the
 * same clientMessageId, as a real client would.
 */
final class Traffic {
    private static final Logger log = LoggerFactory.getLogger(Traffic.class);
    static final Duration RESEND_AFTER = Duration.ofSeconds(3);
    private static final int MAX_IN_FLIGHT = 8;
    private static final Duration PERMIT_WAIT = Duration.ofMillis(500);

    /** How much to send: in total, and how fast each client sends (0 = as fast as acks allow). */
    record Plan(int totalMessages, int messagesPerSecondPerClient, int textLength) {}

    private final List<ChatClient> senders;
    private final Plan plan;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger sentCount = new AtomicInteger();
    // Texts are unique across runs too: the checker finds duplicates by text.
    private final String runTag = java.util.UUID.randomUUID().toString().substring(0, 6);
    private final AtomicInteger ackedCount = new AtomicInteger();
    private volatile boolean stopped;

    private Traffic(List<ChatClient> senders, Plan plan) {
        this.senders = List.copyOf(senders);
        this.plan = plan;
    }

    static Traffic start(List<ChatClient> senders, Plan plan) {
        Traffic traffic = new Traffic(senders, plan);
        traffic.run();
        return traffic;
    }

    private void run() {
        int clients = senders.size();
        for (int c = 0; c < clients; c++) {
            ChatClient client = senders.get(c);
            int share =
                    plan.totalMessages() / clients + (c < plan.totalMessages() % clients ? 1 : 0);
            Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
            client.onAck(
                    s -> {
                        ackedCount.incrementAndGet();
                        inFlight.release();
                    });
            Thread thread =
                    new Thread(
                            () -> sendAll(client, share, inFlight), "traffic-" + client.username());
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    private void sendAll(ChatClient client, int share, Semaphore inFlight) {
        String room = client.rooms().iterator().next();
        long intervalNanos =
                plan.messagesPerSecondPerClient() == 0
                        ? 0
                        : TimeUnit.SECONDS.toNanos(1) / plan.messagesPerSecondPerClient();
        long next = System.nanoTime();
        for (int i = 0; i < share && !stopped; i++) {
            try {
                while (!inFlight.tryAcquire(PERMIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    if (stopped) {
                        return;
                    }
                    client.resendUnacked(RESEND_AFTER);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            // A real client re-sends what is unacked for too long, whether or not it is blocked.
            client.resendUnacked(RESEND_AFTER);
            client.send(room, text(client.username() + "#" + runTag + "#" + i));
            sentCount.incrementAndGet();
            if (intervalNanos > 0) {
                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing, not waiting for a condition
                }
            }
        }
        // Its last messages may still be unacked (refused as "unavailable", or lost with a
        // connection): keep re-sending them as a real client would, not only once the test waits.
        while (!stopped && client.unackedCount() > 0) {
            LockSupport.parkNanos(PERMIT_WAIT.toNanos()); // polling the acks, as a client's timer
            client.resendUnacked(RESEND_AFTER);
        }
    }

    private String text(String id) {
        if (id.length() >= plan.textLength()) {
            return id;
        }
        return id + " " + "x".repeat(plan.textLength() - id.length() - 1);
    }

    int sent() {
        return sentCount.get();
    }

    int acked() {
        return ackedCount.get();
    }

    /** Waits for every sender to finish and every message to be acked, re-sending stale ones. */
    void awaitAllAcked(Duration timeout) {
        await("all messages sent and acked")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(250))
                .until(
                        () -> {
                            senders.forEach(c -> c.resendUnacked(RESEND_AFTER));
                            return threads.stream().noneMatch(Thread::isAlive)
                                    && senders.stream().allMatch(c -> c.unackedCount() == 0);
                        });
        log.info("Traffic done: {} sent, {} acked", sent(), acked());
    }

    void stop() {
        stopped = true;
    }

    /** Every message any sender sent, by its text (texts are unique). */
    Map<String, ChatClient.Sent> byText() {
        Map<String, ChatClient.Sent> all = new java.util.HashMap<>();
        senders.forEach(c -> c.sent().values().forEach(s -> all.put(s.text, s)));
        return all;
    }
}
