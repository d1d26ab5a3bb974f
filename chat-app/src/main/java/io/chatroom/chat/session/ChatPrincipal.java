package io.chatroom.chat.session;

import java.security.Principal;
import java.time.Instant;

/** The authenticated user of one STOMP session, with the token id logout revokes. */
public record ChatPrincipal(String username, String tokenId, Instant expiresAt)
        implements Principal {

    @Override
    public String getName() {
        return username;
    }
}
