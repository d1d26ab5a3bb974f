package io.chatroom.chat.room;

import java.time.Instant;

/**
 * Reads {@code seq} and {@code sentAt} out of a message JSON built by the append script without a
 * full parse: the fields before {@code seq} (a UUID and a room name) cannot contain the marker, and
 * {@code sentAt} is always the last field.
 */
final class MessageJson {
    private static final String SEQ_MARKER = ",\"seq\":";
    private static final String SENT_AT_MARKER = ",\"sentAt\":\"";

    private MessageJson() {}

    static long seq(String json) {
        int start = json.indexOf(SEQ_MARKER);
        if (start < 0) {
            throw new IllegalArgumentException("not a room message");
        }
        int i = start + SEQ_MARKER.length();
        long seq = 0;
        int digits = 0;
        while (i < json.length() && Character.isDigit(json.charAt(i))) {
            seq = seq * 10 + (json.charAt(i) - '0');
            i++;
            digits++;
        }
        if (digits == 0) {
            throw new IllegalArgumentException("not a room message");
        }
        return seq;
    }

    static Instant sentAt(String json) {
        int start = json.lastIndexOf(SENT_AT_MARKER);
        if (start < 0) {
            throw new IllegalArgumentException("not a room message");
        }
        int from = start + SENT_AT_MARKER.length();
        int to = json.indexOf('"', from);
        return Instant.parse(json.substring(from, to));
    }
}
