package io.chatroom.bench.stomp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonFieldsTests {
    private static final String MESSAGE =
            "{\"id\":\"9f\",\"room\":\"r\",\"seq\":42,\"sender\":\"seqmaster\","
                    + "\"text\":\"1234567xxxx\",\"sentAt\":\"2026-01-01T00:00:00Z\"}";

    @Test
    void readsSeqAndLeadingNumberOfText() {
        assertThat(JsonFields.longField(MESSAGE, 0, MESSAGE.length(), "seq")).isEqualTo(42);
        assertThat(JsonFields.leadingNumberOfString(MESSAGE, 0, MESSAGE.length(), "text"))
                .isEqualTo(1234567);
        assertThat(JsonFields.stringField(MESSAGE, 0, MESSAGE.length(), "sender"))
                .isEqualTo("seqmaster");
    }

    @Test
    void toleratesWhitespaceAndAnyFieldOrder() {
        String json = "{ \"seq\" : 7 , \"clientMessageId\" : \"c-1\" }";

        assertThat(JsonFields.longField(json, 0, json.length(), "seq")).isEqualTo(7);
        assertThat(JsonFields.stringField(json, 0, json.length(), "clientMessageId"))
                .isEqualTo("c-1");
    }

    @Test
    void readsTheNumberAStringEndsWith() {
        String ack = "{\"clientMessageId\":\"m1a-12-1-39\",\"seq\":1234}";

        assertThat(JsonFields.trailingNumberOfString(ack, 0, ack.length(), "clientMessageId"))
                .isEqualTo(39);
        String noDigits = "{\"clientMessageId\":\"sync-\"}";
        assertThat(
                        JsonFields.trailingNumberOfString(
                                noDigits, 0, noDigits.length(), "clientMessageId"))
                .isEqualTo(JsonFields.MISSING);
        assertThat(JsonFields.trailingNumberOfString(ack, 0, ack.length(), "seq"))
                .isEqualTo(JsonFields.MISSING);
    }

    @Test
    void missingOrNonNumericFieldsAreReportedAsMissing() {
        assertThat(JsonFields.longField(MESSAGE, 0, MESSAGE.length(), "nope"))
                .isEqualTo(JsonFields.MISSING);
        assertThat(JsonFields.longField(MESSAGE, 0, MESSAGE.length(), "room"))
                .isEqualTo(JsonFields.MISSING);
        String warmUp = "{\"seq\":1,\"text\":\"warm-up\"}";
        assertThat(JsonFields.leadingNumberOfString(warmUp, 0, warmUp.length(), "text"))
                .isEqualTo(JsonFields.MISSING);
    }

    @Test
    void onlyLooksInsideTheGivenRange() {
        String frame = "seq:1\n\n{\"seq\":5}\0{\"seq\":6}";
        int start = frame.indexOf('{');
        int end = frame.indexOf('\0');

        assertThat(JsonFields.longField(frame, start, end, "seq")).isEqualTo(5);
    }
}
