package io.chatroom.chat.room;

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

    /**
     * {@code sentAt} as epoch milliseconds, read without a date-time parser (it is on the relay's
     * path for every message): the append script always writes {@code yyyy-MM-ddTHH:mm:ss.SSSZ}.
     */
    static long sentAtMillis(String json) {
        int start = json.lastIndexOf(SENT_AT_MARKER);
        if (start < 0 || json.length() < start + SENT_AT_MARKER.length() + 24) {
            throw new IllegalArgumentException("not a room message");
        }
        int i = start + SENT_AT_MARKER.length();
        long year = digits(json, i, 4);
        int month = (int) digits(json, i + 5, 2);
        int day = (int) digits(json, i + 8, 2);
        long seconds =
                digits(json, i + 11, 2) * 3600
                        + digits(json, i + 14, 2) * 60
                        + digits(json, i + 17, 2);
        long millis = digits(json, i + 20, 3);
        return (daysFromCivil(year, month, day) * 86_400 + seconds) * 1000 + millis;
    }

    private static long digits(String text, int from, int count) {
        long value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("not a room message");
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
    private static long daysFromCivil(long year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }
}
