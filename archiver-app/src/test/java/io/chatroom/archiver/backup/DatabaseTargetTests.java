package io.chatroom.archiver.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseTargetTests {
    @Test
    void readsHostPortAndDatabase() {
        assertThat(DatabaseTarget.fromJdbcUrl("jdbc:postgresql://db.example:6543/chat?ssl=true"))
                .isEqualTo(new DatabaseTarget("db.example", 6543, "chat"));
        assertThat(DatabaseTarget.fromJdbcUrl("jdbc:postgresql://127.0.0.1/chatroom"))
                .isEqualTo(new DatabaseTarget("127.0.0.1", 5432, "chatroom"));
    }

    @Test
    void refusesWhatPgDumpCannotUse() {
        assertThatThrownBy(() -> DatabaseTarget.fromJdbcUrl("jdbc:mysql://x/y"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DatabaseTarget.fromJdbcUrl("jdbc:postgresql://host:5432/"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
