package io.chatroom.coordinator.auth;

import io.chatroom.common.TokenClaims;
import io.chatroom.coordinator.config.ChatroomProperties;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.stereotype.Component;

/**
 * Issues and verifies login tokens: HS256 JWTs keyed by the UTF-8 bytes of {@code
 * chatroom.auth.secret} with {@code sub}, {@code jti}, {@code iss=chatroom}, {@code iat}, {@code
 * exp}. Verification refuses any other algorithm (including {@code none}), another issuer, a
 * missing {@code sub}/{@code jti}, and expired tokens. It does not look at revocations.
 */
@Component
public class TokenService {
    private final NimbusJwtEncoder encoder;
    private final NimbusJwtDecoder decoder;
    private final Duration ttl;
    private final Clock clock;

    /** A freshly issued token. */
    public record IssuedToken(String token, String jti, Instant expiresAt) {}

    @Autowired
    TokenService(ChatroomProperties properties, Clock clock) {
        this(
                properties.auth().secret(),
                properties.auth().tokenTtl(),
                properties.auth().clockSkew(),
                clock);
    }

    TokenService(String secret, Duration ttl, Duration clockSkew, Clock clock) {
        byte[] keyBytes = secret.getBytes(StandardCharsets.UTF_8);
        if (keyBytes.length < TokenClaims.MIN_SECRET_BYTES) {
            // HS256 needs a key of at least 256 bits, even in development.
            throw new IllegalStateException(
                    "chatroom.auth.secret must be at least "
                            + TokenClaims.MIN_SECRET_BYTES
                            + " bytes");
        }
        SecretKey key = new SecretKeySpec(keyBytes, "HmacSHA256");
        this.encoder = NimbusJwtEncoder.withSecretKey(key).algorithm(MacAlgorithm.HS256).build();
        this.decoder = NimbusJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build();
        JwtTimestampValidator timestamps = new JwtTimestampValidator(clockSkew);
        timestamps.setClock(clock);
        timestamps.setAllowEmptyExpiryClaim(false);
        this.decoder.setJwtValidator(
                new DelegatingOAuth2TokenValidator<>(
                        timestamps,
                        new JwtIssuerValidator(TokenClaims.ISSUER),
                        new JwtClaimValidator<Object>(JwtClaimNames.SUB, Objects::nonNull),
                        new JwtClaimValidator<Object>(JwtClaimNames.JTI, Objects::nonNull),
                        new JwtClaimValidator<Object>(JwtClaimNames.EXP, Objects::nonNull)));
        this.ttl = ttl;
        this.clock = clock;
    }

    public IssuedToken issue(String username) {
        Instant now = clock.instant();
        // JWT times are whole seconds; truncate so expiresAt in the login answer equals exp.
        Instant issuedAt = Instant.ofEpochSecond(now.getEpochSecond());
        Instant expiresAt = issuedAt.plus(ttl);
        String jti = UUID.randomUUID().toString();
        JwtClaimsSet claims =
                JwtClaimsSet.builder()
                        .subject(username)
                        .id(jti)
                        .issuer(TokenClaims.ISSUER)
                        .issuedAt(issuedAt)
                        .expiresAt(expiresAt)
                        .build();
        JwsHeader header = JwsHeader.with(MacAlgorithm.HS256).build();
        Jwt jwt = encoder.encode(JwtEncoderParameters.from(header, claims));
        return new IssuedToken(jwt.getTokenValue(), jti, expiresAt);
    }

    /**
     * @throws JwtException when the token is malformed, not signed with HS256 by our key, from
     *     another issuer, incomplete or expired
     */
    public Jwt verify(String token) {
        return decoder.decode(token);
    }
}
