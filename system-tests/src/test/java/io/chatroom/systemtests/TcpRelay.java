package io.chatroom.systemtests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP forwarder in the test JVM: accepts on one address (the host end of a namespace's store
 * link) and forwards every connection to a service on the host's loopback (the private
 * redis-server, the machine's PostgreSQL, which listens on 127.0.0.1 only). It can hold every chunk
 * for a one-way delay in both directions, in order: the delay half of a degraded link on kernels
 * without {@code tc netem}. It adds no timeouts of its own, so a cut link looks to both ends like a
 * cut link.
 */
final class TcpRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpRelay.class);
    private static final int CHUNK_BYTES = 16 * 1024;
    // Backpressure: a direction holds at most this many chunks before its reader blocks.
    private static final int QUEUED_CHUNKS = 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;
    private static final long POLL_MILLIS = 200;
    private static final byte[] END = new byte[0];

    private final String name;
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile long delayNanos;
    private volatile boolean closed;

    private TcpRelay(String name, ServerSocket server, InetSocketAddress target) {
        this.name = name;
        this.server = server;
        this.target = target;
    }

    /** Listens on {@code bindHost} (an ephemeral port) and forwards to {@code target}. */
    static TcpRelay start(String name, String bindHost, InetSocketAddress target) {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName(bindHost));
            TcpRelay relay = new TcpRelay(name, server, target);
            Thread acceptor = new Thread(relay::acceptAll, "relay-" + name);
            acceptor.setDaemon(true);
            acceptor.start();
            log.info("Relay {} on {}:{} -> {}", name, bindHost, server.getLocalPort(), target);
            return relay;
        } catch (IOException e) {
            throw new IllegalStateException("Could not start relay " + name + " on " + bindHost, e);
        }
    }

    String host() {
        return server.getInetAddress().getHostAddress();
    }

    int port() {
        return server.getLocalPort();
    }

    InetSocketAddress target() {
        return target;
    }

    /** Every chunk read from now on is written {@code oneWay} later (in each direction). */
    void delay(Duration oneWay) {
        delayNanos = oneWay.toNanos();
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    private void acceptAll() {
        while (!closed) {
            Socket inbound;
            try {
                inbound = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("Relay {} stopped accepting: {}", name, e.toString());
                }
                return;
            }
            connections.incrementAndGet();
            Thread opener = new Thread(() -> open(inbound), "relay-" + name + "-open");
            opener.setDaemon(true);
            opener.start();
        }
    }

    private void open(Socket inbound) {
        Socket outbound = new Socket();
        sockets.add(inbound);
        sockets.add(outbound);
        try {
            inbound.setTcpNoDelay(true);
            outbound.setTcpNoDelay(true);
            outbound.connect(target, CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            log.debug("Relay {}: could not reach {}: {}", name, target, e.toString());
            closeBoth(inbound, outbound);
            return;
        }
        AtomicInteger open = new AtomicInteger(2);
        pump(inbound, outbound, open, "up");
        pump(outbound, inbound, open, "down");
    }

    /** One direction: a reader that stamps chunks and a writer that releases them when due. */
    private void pump(Socket from, Socket to, AtomicInteger open, String direction) {
        BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
        Thread reader =
                new Thread(() -> read(from, to, queue), "relay-" + name + "-" + direction + "-r");
        Thread writer =
                new Thread(
                        () -> write(from, to, queue, open),
                        "relay-" + name + "-" + direction + "-w");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private void read(Socket from, Socket to, BlockingQueue<Chunk> queue) {
        byte[] buffer = new byte[CHUNK_BYTES];
        try {
            InputStream in = from.getInputStream();
            while (!closed) {
                int n = in.read(buffer);
                byte[] data = n < 0 ? END : Arrays.copyOf(buffer, n);
                queue.put(new Chunk(data, System.nanoTime() + delayNanos));
                if (n < 0) {
                    return;
                }
            }
        } catch (IOException e) {
            closeBoth(from, to);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeBoth(from, to);
        }
    }

    private void write(Socket from, Socket to, BlockingQueue<Chunk> queue, AtomicInteger open) {
        try {
            OutputStream out = to.getOutputStream();
            while (!closed && !to.isClosed()) {
                Chunk chunk = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (chunk == null) {
                    continue;
                }
                long wait = chunk.dueNanos() - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // the link's delay, not a wait for a condition
                }
                if (chunk.data() == END) {
                    to.shutdownOutput();
                    if (open.decrementAndGet() == 0) {
                        closeBoth(from, to);
                    }
                    return;
                }
                out.write(chunk.data());
                out.flush();
            }
        } catch (IOException e) {
            closeBoth(from, to);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeBoth(from, to);
        }
    }

    private void closeBoth(Socket a, Socket b) {
        closeQuietly(a);
        closeQuietly(b);
    }

    private void closeQuietly(Socket socket) {
        sockets.remove(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            log.debug("Relay {}: {}", name, e.toString());
        }
        sockets.forEach(this::closeQuietly);
    }

    private record Chunk(byte[] data, long dueNanos) {}
}
