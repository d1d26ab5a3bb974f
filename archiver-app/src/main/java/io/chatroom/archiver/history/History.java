package io.chatroom.archiver.history;

import io.chatroom.archiver.config.ChatroomProperties;
import io.chatroom.archiver.web.ApiException;
import io.chatroom.common.ChatMessage;
import io.chatroom.common.ChatRules;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Pages of a room's archived messages, always oldest first. */
@Service
@Transactional(readOnly = true)
class History {
    private final ArchivedMessages messages;
    private final RoomSummaries rooms;
    private final ChatroomProperties.History settings;

    History(ArchivedMessages messages, RoomSummaries rooms, ChatroomProperties properties) {
        this.messages = messages;
        this.rooms = rooms;
        this.settings = properties.history();
    }

    /**
     * Without bounds: the newest {@code limit}. With beforeSeq only: the newest {@code limit} below
     * it. With afterSeq (and optionally beforeSeq): the oldest {@code limit} above it.
     */
    List<ChatMessage> page(String room, Long beforeSeq, Long afterSeq, Integer limit) {
        if (!ChatRules.isValidRoom(room)) {
            throw ApiException.badParameter("room", "must match " + ChatRules.ROOM.pattern());
        }
        if (beforeSeq != null && beforeSeq < 1) {
            throw ApiException.badParameter("beforeSeq", "must be at least 1");
        }
        if (afterSeq != null && afterSeq < 0) {
            throw ApiException.badParameter("afterSeq", "must be at least 0");
        }
        int size = limit == null ? settings.defaultLimit() : limit;
        if (size < 1 || size > settings.maxLimit()) {
            throw ApiException.badParameter(
                    "limit", "must be between 1 and " + settings.maxLimit());
        }
        Limit max = Limit.of(size);
        List<ArchivedMessage> rows;
        if (afterSeq != null && beforeSeq != null) {
            rows = messages.findBetween(room, afterSeq, beforeSeq, max);
        } else if (afterSeq != null) {
            rows = messages.findByRoomAndSeqGreaterThanOrderBySeqAsc(room, afterSeq, max);
        } else if (beforeSeq != null) {
            rows = reversed(messages.findByRoomAndSeqLessThanOrderBySeqDesc(room, beforeSeq, max));
        } else {
            rows = reversed(messages.findByRoomOrderBySeqDesc(room, max));
        }
        return rows.stream().map(ArchivedMessage::toChatMessage).toList();
    }

    List<RoomInfo> rooms() {
        return rooms.findAllByOrderByLastActivityDesc(Limit.of(settings.roomsLimit())).stream()
                .map(RoomSummary::toRoomInfo)
                .toList();
    }

    long archivedTotal() {
        return rooms.archivedTotal();
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }
}
