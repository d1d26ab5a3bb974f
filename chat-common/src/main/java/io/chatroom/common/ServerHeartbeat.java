package io.chatroom.common;

/**
 * What a chat server posts to {@code POST /api/servers/heartbeat} every 2 s: its identity plus an
 * actuator-style {@code status} and its current WebSocket connection count.
 */
public record ServerHeartbeat(
        String id, String httpUrl, String wsUrl, String status, int connections) {}
