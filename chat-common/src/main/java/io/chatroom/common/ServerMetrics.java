package io.chatroom.common;

/**
 * The numbers a chat server adds to each heartbeat for the dashboard's charts, read from its own
 * Micrometer meters at {@code at} (epoch millis, the server's clock). Counters are totals since the
 * server started, so a reader turns two samples into a rate and notices a restart (a total that
 * went down); {@code null} means "no value in this interval".
 *
 * @param published messages this server accepted from its clients ({@code
 *     chatroom.messages.published})
 * @param forwarded message frames this server wrote to subscribers ({@code
 *     chatroom.messages.forwarded})
 * @param deliveryP99Ms p99 of {@code chatroom.delivery.latency} (sentAt to forwarded), null when
 *     nothing was delivered since the previous heartbeat
 * @param redisRttMs round trip of the heartbeat's own Redis PING ({@code chatroom.redis.ping}),
 *     null when Redis did not answer
 */
public record ServerMetrics(
        long at, long published, long forwarded, Double deliveryP99Ms, Double redisRttMs) {}
