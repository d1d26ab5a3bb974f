package io.chatroom.common;

/** A chat server as the coordinator hands it to a client. */
public record ChatServerInfo(String id, String httpUrl, String wsUrl) {}
