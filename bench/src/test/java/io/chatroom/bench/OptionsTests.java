package io.chatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OptionsTests {

    @Test
    void readsBothSpellingsFlagsListsAndPositionals() {
        Options o =
                new Options(
                        List.of(
                                "a.json",
                                "--clients=10,50",
                                "--messages",
                                "1_000",
                                "--pause-archiver"));

        assertThat(o.integers("clients", 1)).containsExactly(10, 50);
        assertThat(o.integer("messages", 0)).isEqualTo(1000);
        assertThat(o.flag("pause-archiver")).isTrue();
        assertThat(o.integer("inflight", 64)).isEqualTo(64);
        assertThat(o.positional()).containsExactly("a.json");
    }

    @Test
    void unknownOptionIsRejected() {
        Options o = new Options(List.of("--clinets", "5"));

        assertThatThrownBy(() -> o.rejectUnknown(Set.of("clients")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--clinets");
    }

    @Test
    void pidsArePortToPid() {
        assertThat(BenchMain.pids("8081=12, 8090=34"))
                .containsEntry(8081, 12L)
                .containsEntry(8090, 34L);
        assertThat(BenchMain.pids("")).isEmpty();
    }
}
