package io.chatroom.common;

import java.util.List;

/** Who is connected to a room, across every chat server; sent whenever the set changes. */
public record Presence(String room, List<String> users) {}
