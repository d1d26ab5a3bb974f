package io.chatroom.archiver.history;

import java.util.List;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

/** History reads; every query walks the primary key (room, seq). */
interface ArchivedMessages extends JpaRepository<ArchivedMessage, ArchivedMessage.Key> {

    List<ArchivedMessage> findByRoomOrderBySeqDesc(String room, Limit limit);

    List<ArchivedMessage> findByRoomAndSeqLessThanOrderBySeqDesc(
            String room, long beforeSeq, Limit limit);

    List<ArchivedMessage> findByRoomAndSeqGreaterThanOrderBySeqAsc(
            String room, long afterSeq, Limit limit);

    @Query(
            "select m from ArchivedMessage m where m.room = :room and m.seq > :afterSeq"
                    + " and m.seq < :beforeSeq order by m.seq asc")
    List<ArchivedMessage> findBetween(
            @Param("room") String room,
            @Param("afterSeq") long afterSeq,
            @Param("beforeSeq") long beforeSeq,
            Limit limit);
}
