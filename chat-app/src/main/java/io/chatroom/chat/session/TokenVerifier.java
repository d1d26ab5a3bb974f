package io.chatroom.chat.session;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.common.TokenClaims;
import java.nio.charset.StandardCharsets;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.dao.DataAccessException;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.stereotype.Component;

/**
 * Accepts only HS256 tokens signed with {@code chatroom.auth.secret}, issued by {@link
 * TokenClaims#ISSUER}, unexpired, with a subject and an id that logout has not revoked.
 */
@Component
class TokenVerifier {
    private static final String BEARER = "Bearer ";

    private final NimbusJwtDecoder decoder;
    private final RevokedTokens revoked;

    TokenVerifier(ChatroomProperties properties, RevokedTokens revoked) {
        SecretKey key =
                new SecretKeySpec(
                        properties.auth().secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.decoder = NimbusJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build();
        this.decoder.setJwtValidator(JwtValidators.createDefaultWithIssuer(TokenClaims.ISSUER));
        this.revoked = revoked;
    }

    /**
     * @throws ConnectRefusedException with a message safe to show the client
     */
    ChatPrincipal verify(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.startsWith(BEARER)) {
            throw new ConnectRefusedException("missing Authorization: Bearer <token> header");
        }
        Jwt jwt;
        try {
            jwt = decoder.decode(authorizationHeader.substring(BEARER.length()).trim());
        } catch (JwtException e) {
            throw new ConnectRefusedException("invalid or expired token");
        }
        if (jwt.getSubject() == null || jwt.getId() == null || jwt.getExpiresAt() == null) {
            throw new ConnectRefusedException("token lacks sub, jti or exp");
        }
        if (isRevoked(jwt.getId())) {
            throw new ConnectRefusedException("token was revoked (logged out)");
        }
        return new ChatPrincipal(jwt.getSubject(), jwt.getId(), jwt.getExpiresAt());
    }

    boolean isRevoked(String tokenId) {
        try {
            return revoked.isRevoked(tokenId);
        } catch (DataAccessException e) {
            // Fail closed: without Redis we cannot tell a logged-out token from a valid one.
            throw new ConnectRefusedException("token check unavailable, try again");
        }
    }
}
