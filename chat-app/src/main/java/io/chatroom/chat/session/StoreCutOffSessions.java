package io.chatroom.chat.session;

import io.chatroom.chat.stomp.ClosedSessionsMeter;
import io.chatroom.chat.stomp.FrameWriter;
import io.chatroom.common.ErrorCodes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;

/**
 * The sessions of a server cut off from its message store (Redis) while other servers are up: each
 * gets {@code ERROR message:unavailable} and is closed, so its client reconnects elsewhere instead
 * of collecting {@code unavailable} answers; new CONNECTs are refused the same way until Redis
 * answers again. When to do it is the cluster's decision ({@code cluster/StoreCutOffWatch}).
 */
@Component
public class StoreCutOffSessions {
    static final String DETAIL =
            "this server lost its message store (Redis); reconnect to another server";
    static final CloseStatus CUT_OFF =
            CloseStatus.GOING_AWAY.withReason("message store unreachable");

    private final SessionRegistry sessions;
    private final FrameWriter frames;
    private final Counter closed;
    private volatile boolean cutOff;

    StoreCutOffSessions(SessionRegistry sessions, FrameWriter frames, MeterRegistry meters) {
        this.sessions = sessions;
        this.frames = frames;
        this.closed = ClosedSessionsMeter.counter(meters, "store_cut_off");
    }

    /**
     * Refuses CONNECTs from now on, then closes every authenticated session (refusing first, so no
     * CONNECT slips in behind the sweep); returns how many were closed.
     */
    public int closeAll() {
        cutOff = true;
        int count =
                sessions.closeWhere(
                        p -> true, CUT_OFF, id -> frames.error(id, ErrorCodes.UNAVAILABLE, DETAIL));
        closed.increment(count);
        return count;
    }

    /** Redis answers again: CONNECTs are welcome. */
    public void reachable() {
        cutOff = false;
    }

    /** True while CONNECTs get {@code ERROR unavailable}. */
    boolean refusesConnects() {
        return cutOff;
    }
}
