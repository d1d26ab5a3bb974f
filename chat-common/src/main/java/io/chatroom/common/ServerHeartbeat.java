package io.chatroom.common;

/**
 * What a chat server posts to {@code POST /api/servers/heartbeat} every 2 s: its identity plus an
 * actuator-style {@code status} and its current WebSocket connection count, and (optional) the
 * numbers of its own meters for the dashboard.
 */
public record ServerHeartbeat(
        String id,
        String httpUrl,
        String wsUrl,
        String status,
        int connections,
        ServerMetrics metrics) {

    /** A heartbeat without metrics (as the contract's minimal body). */
    public ServerHeartbeat(
            String id, String httpUrl, String wsUrl, String status, int connections) {
        this(id, httpUrl, wsUrl, status, connections, null);
    }
}
