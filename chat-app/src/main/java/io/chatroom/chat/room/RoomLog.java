package io.chatroom.chat.room;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.dao.DataAccessException;

/**
 * A room's numbered log: the one place that gives out seqs. It guarantees that a seq, once given
 * out (acked to a sender or forwarded to a subscriber by this server), is never given out again for
 * another message, even when its store comes back with older data.
 */
public interface RoomLog {

    /** The seq a message got, and whether it was a retry of an already stored message. */
    record Appended(long seq, boolean retry) {}

    /**
     * Stores a message as the room's next seq, or finds the seq it already has when {@code
     * clientMessageId} was seen from {@code sender} before. Never blocks on the store: the result
     * completes when the store answered, or fails with an {@link io.chatroom.chat.ChatException} of
     * code {@code unavailable} when it cannot be reached in time. Appends issued one after another
     * (each after the previous completed) get increasing seqs.
     */
    CompletableFuture<Appended> append(
            String room, String sender, String clientMessageId, String text);

    /**
     * The room's last seq, 0 when none. If the store holds less than {@code forwarded} or than a
     * seq this server gave out before (it came back with older data), its counter is raised first,
     * so the next message does not reuse a seq somebody has seen.
     *
     * @throws DataAccessException when the store cannot be reached
     */
    long latestSeq(String room, long forwarded);

    /** {@link #latestSeqs}' answer for a room whose counter could not be read. */
    long UNKNOWN = -1;

    /**
     * The last seqs of several rooms (element {@code i} is {@code rooms.get(i)}'s), read in a few
     * batches for the periodic re-sync, after each room's {@code forwarded[i]}; like {@link
     * #latestSeq}, a counter below a seq this server gave out before the read is raised first. A
     * room whose counter could not be read or raised (its part of the store did not answer) is
     * {@link #UNKNOWN}; the others are still answered.
     */
    long[] latestSeqs(List<String> rooms, long[] forwarded);

    /**
     * Tells the log that this server forwarded {@code seq} to its subscribers: it was given out and
     * is never given out again, whatever the store says later.
     */
    void forwarded(String room, long seq);

    /**
     * The messages with {@code fromSeq <= seq <= toSeq} still in the room's window, oldest first.
     *
     * @throws DataAccessException when the store cannot be reached
     */
    List<String> window(String room, long fromSeq, long toSeq);
}
