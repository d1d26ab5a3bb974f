package io.chatroom.archiver.history;

import java.util.List;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/** Room totals for the UI and the status endpoint. */
interface RoomSummaries extends JpaRepository<RoomSummary, String> {

    List<RoomSummary> findAllByOrderByLastActivityDesc(Limit limit);

    @Query("select coalesce(sum(r.messages), 0) from RoomSummary r")
    long archivedTotal();
}
