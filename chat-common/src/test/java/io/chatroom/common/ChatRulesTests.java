package io.chatroom.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ChatRulesTests {

    @Test
    void roomNamesFollowTheContract() {
        assertThat(ChatRules.isValidRoom("general")).isTrue();
        assertThat(ChatRules.isValidRoom("0-room_x")).isTrue();
        assertThat(ChatRules.isValidRoom("a".repeat(64))).isTrue();
        assertThat(ChatRules.isValidRoom("a".repeat(65))).isFalse();
        assertThat(ChatRules.isValidRoom("-room")).isFalse();
        assertThat(ChatRules.isValidRoom("Room")).isFalse();
        assertThat(ChatRules.isValidRoom("")).isFalse();
        assertThat(ChatRules.isValidRoom(null)).isFalse();
        assertThat(ChatRules.isValidRoom("room/x")).isFalse();
        assertThat(ChatRules.isValidRoom("room\n")).isFalse();
        assertThat(ChatRules.isValidRoom("r\u00e9")).isFalse();
    }

    @Test
    void roomCheckAgreesWithThePublishedPattern() {
        Random random = new Random(42);
        String alphabet = "az09_-A/ \n\u00e9.";
        for (int n = 0; n < 20_000; n++) {
            StringBuilder room = new StringBuilder();
            int length = random.nextInt(70);
            for (int i = 0; i < length; i++) {
                room.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String candidate = room.toString();
            assertThat(ChatRules.isValidRoom(candidate))
                    .as(candidate)
                    .isEqualTo(ChatRules.ROOM.matcher(candidate).matches());
        }
    }

    @Test
    void textIsCountedAfterTrimmingInCodePoints() {
        assertThat(ChatRules.isValidText("hi")).isTrue();
        assertThat(ChatRules.isValidText("   ")).isFalse();
        assertThat(ChatRules.isValidText("")).isFalse();
        assertThat(ChatRules.isValidText(null)).isFalse();
        assertThat(ChatRules.isValidText("x".repeat(2000))).isTrue();
        assertThat(ChatRules.isValidText("  " + "x".repeat(2000) + "  ")).isTrue();
        assertThat(ChatRules.isValidText("x".repeat(2001))).isFalse();
        assertThat(ChatRules.isValidText("\uD83D\uDE00".repeat(2000))).isTrue();
    }

    @Test
    void usernamesAndPasswords() {
        assertThat(ChatRules.isValidUsername("ann")).isTrue();
        assertThat(ChatRules.isValidUsername("an")).isFalse();
        assertThat(ChatRules.isValidUsername("a b c")).isFalse();
        assertThat(ChatRules.isValidUsername("x".repeat(33))).isFalse();
        assertThat(ChatRules.isValidPassword("12345678")).isTrue();
        assertThat(ChatRules.isValidPassword("1234567")).isFalse();
        assertThat(ChatRules.isValidPassword("x".repeat(129))).isFalse();
    }

    @Test
    void clientMessageIds() {
        assertThat(ChatRules.isValidClientMessageId("0f8fad5b-d9cb-469f-a165-70867728950e"))
                .isTrue();
        assertThat(ChatRules.isValidClientMessageId("")).isFalse();
        assertThat(ChatRules.isValidClientMessageId("a b")).isFalse();
        assertThat(ChatRules.isValidClientMessageId("x".repeat(65))).isFalse();
    }

    @Test
    void storedTextNeverExceedsTheLimitAndIsKeptAsSentWithinIt() {
        String padded = "x" + " ".repeat(65_000);

        assertThat(ChatRules.storedText(padded)).isEqualTo("x");
        assertThat(ChatRules.storedText("  a b  ")).isEqualTo("  a b  ");
        assertThat(ChatRules.storedText(" " + "y".repeat(2000))).isEqualTo("y".repeat(2000));
        assertThat(ChatRules.storedText("\t" + "y".repeat(2000) + "\n")).hasSize(2000);
        assertThat(ChatRules.storedText(" ".repeat(10))).isNull();
        assertThat(ChatRules.storedText("z".repeat(2001))).isNull();
    }
}
