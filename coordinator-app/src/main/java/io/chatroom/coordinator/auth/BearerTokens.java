package io.chatroom.coordinator.auth;

import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.stereotype.Component;

/**
 * The decoder behind Bearer authentication on the coordinator: a valid token ({@link
 * TokenService#verify}) that has not been logged out.
 */
@Component
public class BearerTokens implements JwtDecoder {
    private final TokenService tokens;
    private final Revocations revocations;

    BearerTokens(TokenService tokens, Revocations revocations) {
        this.tokens = tokens;
        this.revocations = revocations;
    }

    @Override
    public Jwt decode(String token) {
        Jwt jwt = tokens.verify(token);
        if (revocations.isRevoked(jwt.getId())) {
            throw new BadJwtException("The token has been revoked");
        }
        return jwt;
    }
}
