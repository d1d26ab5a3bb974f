package io.chatroom.chat;

import com.nimbusds.jose.jwk.source.ImmutableSecret;
import io.chatroom.common.TokenClaims;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/** Mints login tokens the way the coordinator does, plus broken ones. */
final class Tokens {
    private final NimbusJwtEncoder encoder;

    Tokens(String secret) {
        SecretKey key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.encoder = new NimbusJwtEncoder(new ImmutableSecret<>(key));
    }

    String valid(String user) {
        return mint(user, UUID.randomUUID().toString(), Instant.now(), Duration.ofHours(1));
    }

    String mint(String user, String tokenId, Instant issuedAt, Duration lifetime) {
        JwtClaimsSet claims =
                JwtClaimsSet.builder()
                        .issuer(TokenClaims.ISSUER)
                        .subject(user)
                        .id(tokenId)
                        .issuedAt(issuedAt)
                        .expiresAt(issuedAt.plus(lifetime))
                        .build();
        return encoder.encode(
                        JwtEncoderParameters.from(
                                JwsHeader.with(MacAlgorithm.HS256).build(), claims))
                .getTokenValue();
    }

    /** An unsigned token ({@code alg: none}) with otherwise valid claims. */
    static String unsigned(String user) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        long now = Instant.now().getEpochSecond();
        String header = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        String payload =
                b64.encodeToString(
                        ("{\"iss\":\"chatroom\",\"sub\":\""
                                        + user
                                        + "\",\"jti\":\"x1\",\"iat\":"
                                        + now
                                        + ",\"exp\":"
                                        + (now + 3600)
                                        + "}")
                                .getBytes(StandardCharsets.UTF_8));
        return header + "." + payload + ".";
    }

    static String tokenId(String token) {
        String payload =
                new String(
                        Base64.getUrlDecoder().decode(token.split("\\.")[1]),
                        StandardCharsets.UTF_8);
        int at = payload.indexOf("\"jti\":\"") + 7;
        return payload.substring(at, payload.indexOf('"', at));
    }
}
