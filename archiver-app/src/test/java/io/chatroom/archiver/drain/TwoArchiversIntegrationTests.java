package io.chatroom.archiver.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.archiver.ArchiverApplication;
import io.chatroom.archiver.ArchiverIntegrationTest;
import io.chatroom.common.ChatMessage;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

class TwoArchiversIntegrationTests extends ArchiverIntegrationTest {
    private static final int ROOMS = 100;
    private static final int PER_ROOM = 100;

    @Autowired MeterRegistry meters;

    @Test
    void twoArchiversOnOneRedisArchiveEveryMessageExactlyOnce() {
        try (ConfigurableApplicationContext second =
                new SpringApplicationBuilder(ArchiverApplication.class).run(sameStoresArgs())) {
            double firstBefore = counter(meters);
            double secondBefore = counter(second.getBean(MeterRegistry.class));
            List<ChatMessage> all = new ArrayList<>();
            for (int r = 0; r < ROOMS; r++) {
                all.addAll(messages("two-" + r, 1, PER_ROOM));
            }
            push(all);

            awaitArchived("two-", ROOMS * PER_ROOM);
            double byFirst = counter(meters) - firstBefore;
            double bySecond = counter(second.getBean(MeterRegistry.class)) - secondBefore;
            assertThat(byFirst + bySecond).isEqualTo(ROOMS * PER_ROOM);
            Long summed =
                    jdbc.queryForObject(
                            "select sum(messages) from archive.room_summary where room like"
                                    + " 'two-%'",
                            Long.class);
            assertThat(summed).isEqualTo(ROOMS * PER_ROOM);
            Long completeRooms =
                    jdbc.queryForObject(
                            "select count(*) from (select room from archive.chat_message where"
                                    + " room like 'two-%' group by room having count(*) = ? and"
                                    + " min(seq) = 1 and max(seq) = ?) complete",
                            Long.class, PER_ROOM, PER_ROOM);
            assertThat(completeRooms).isEqualTo(ROOMS);
        }
    }

    private static double counter(MeterRegistry registry) {
        return registry.get("chatroom.archive.messages").counter().count();
    }
}
