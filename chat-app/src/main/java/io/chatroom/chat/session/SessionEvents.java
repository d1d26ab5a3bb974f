package io.chatroom.chat.session;

import io.chatroom.chat.relay.RoomRelay;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

/** A closed or disconnected session leaves all its rooms (and their presence). */
@Component
class SessionEvents {
    private final RoomRelay relay;

    SessionEvents(RoomRelay relay) {
        this.relay = relay;
    }

    @EventListener
    void onDisconnect(SessionDisconnectEvent event) {
        relay.sessionClosed(event.getSessionId());
    }
}
