package io.chatroom.coordinator.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.chatroom.common.TokenClaims;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtException;

class TokenServiceTests {
    private static final String SECRET = "test-secret-0123456789abcdef0123456789abcdef";
    private static final Duration TTL = Duration.ofHours(8);
    private static final Duration SKEW = Duration.ofSeconds(30);

    private final TokenService tokens = new TokenService(SECRET, TTL, SKEW, Clock.systemUTC());

    @Test
    void issuesTokensItAccepts() {
        TokenService.IssuedToken issued = tokens.issue("alice");
        Jwt jwt = tokens.verify(issued.token());
        assertThat(jwt.getSubject()).isEqualTo("alice");
        assertThat(jwt.getId()).isEqualTo(issued.jti());
        assertThat(jwt.getClaimAsString("iss")).isEqualTo(TokenClaims.ISSUER);
        assertThat(jwt.getHeaders()).containsEntry("alg", "HS256");
        assertThat(jwt.getExpiresAt()).isEqualTo(issued.expiresAt());
        assertThat(Duration.between(jwt.getIssuedAt(), jwt.getExpiresAt())).isEqualTo(TTL);
    }

    @Test
    void refusesTokensSignedWithAnotherSecret() {
        TokenService other =
                new TokenService(SECRET.replace('0', '9'), TTL, SKEW, Clock.systemUTC());
        assertRefused(other.issue("alice").token());
    }

    @Test
    void refusesTamperedTokens() {
        String[] parts = tokens.issue("alice").token().split("\\.");
        String forgedPayload =
                base64(
                        "{\"sub\":\"admin\",\"jti\":\"x\",\"iss\":\"chatroom\",\"exp\":"
                                + Instant.now().plusSeconds(3600).getEpochSecond()
                                + "}");
        assertRefused(parts[0] + "." + forgedPayload + "." + parts[2]);
    }

    @Test
    void refusesExpiredTokens() {
        Clock past = Clock.fixed(Instant.now().minus(TTL).minusSeconds(120), ZoneOffset.UTC);
        TokenService then = new TokenService(SECRET, TTL, SKEW, past);
        assertRefused(then.issue("alice").token());
    }

    @Test
    void refusesUnsignedTokens() {
        String header = base64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        String payload =
                base64(
                        "{\"sub\":\"alice\",\"jti\":\"x\",\"iss\":\"chatroom\",\"exp\":"
                                + Instant.now().plusSeconds(3600).getEpochSecond()
                                + "}");
        assertRefused(header + "." + payload + ".");
    }

    @Test
    void refusesOtherHmacAlgorithmsWithTheSameSecret() throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS512), validClaims().build());
        jwt.sign(new MACSigner(padTo64Bytes(SECRET)));
        assertRefused(jwt.serialize());
    }

    @Test
    void refusesRsaSignedTokens() throws JOSEException, NoSuchAlgorithmException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), validClaims().build());
        jwt.sign(new RSASSASigner(pair.getPrivate()));
        assertRefused(jwt.serialize());
    }

    @Test
    void refusesAnotherIssuerAndMissingClaims() throws JOSEException {
        assertRefused(hs256(validClaims().issuer("someone-else").build()));
        assertRefused(hs256(validClaims().jwtID(null).build()));
        assertRefused(hs256(validClaims().subject(null).build()));
        assertRefused(hs256(validClaims().expirationTime(null).build()));
        // The same claims, complete, pass: the refusals above are about the claim in question.
        assertThat(tokens.verify(hs256(validClaims().build())).getSubject()).isEqualTo("alice");
    }

    @Test
    void refusesShortSecrets() {
        assertThatThrownBy(() -> new TokenService("too-short", TTL, SKEW, Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chatroom.auth.secret");
    }

    private static JWTClaimsSet.Builder validClaims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .subject("alice")
                .jwtID(UUID.randomUUID().toString())
                .issuer(TokenClaims.ISSUER)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(3600)));
    }

    private static String hs256(JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    /** HS512 needs a 512-bit key; the attacker pads ours to try an algorithm switch. */
    private static byte[] padTo64Bytes(String secret) {
        byte[] key = new byte[64];
        byte[] raw = secret.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(raw, 0, key, 0, Math.min(raw.length, key.length));
        return key;
    }

    private static String base64(String json) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private void assertRefused(String token) {
        assertThatThrownBy(() -> tokens.verify(token)).isInstanceOf(JwtException.class);
    }
}
