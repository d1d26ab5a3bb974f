package io.chatroom.coordinator.metrics;

import io.chatroom.common.ServerHeartbeat;
import io.chatroom.common.ServerMetrics;

/**
 * One chat server's sample as stored for the dashboard: its heartbeat's status and connections with
 * the numbers of its meters. Written field by field in this order, so the same heartbeat reaching
 * two coordinators gives the same JSON (and is stored once).
 */
record ChatServerSample(
        long at,
        String status,
        int connections,
        long published,
        long forwarded,
        Double deliveryP99Ms,
        Double redisRttMs) {

    static ChatServerSample of(ServerHeartbeat heartbeat) {
        ServerMetrics metrics = heartbeat.metrics();
        return new ChatServerSample(
                metrics.at(),
                heartbeat.status(),
                heartbeat.connections(),
                metrics.published(),
                metrics.forwarded(),
                metrics.deliveryP99Ms(),
                metrics.redisRttMs());
    }
}
