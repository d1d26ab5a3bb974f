package io.chatroom.systemtests;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Forged login tokens for the hostile-input scenario: what an attacker could put together. */
final class Tokens {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private Tokens() {}

    /** An HS256 token signed with {@code secret}: valid in shape, with the given expiry. */
    static String hs256(String secret, String username, Instant expiresAt) {
        String header = encode(Map.of("alg", "HS256", "typ", "JWT"));
        String body = encode(claims(username, expiresAt));
        String signingInput = header + "." + body;
        return signingInput + "." + B64.encodeToString(hmac(secret, signingInput));
    }

    /** {@code alg: none}: an unsigned token with an empty signature. */
    static String unsigned(String username, Instant expiresAt) {
        return encode(Map.of("alg", "none", "typ", "JWT"))
                + "."
                + encode(claims(username, expiresAt))
                + ".";
    }

    private static Map<String, Object> claims(String username, Instant expiresAt) {
        return Map.of(
                "sub", username,
                "iss", "chatroom",
                "jti", UUID.randomUUID().toString(),
                "iat", expiresAt.minusSeconds(3600).getEpochSecond(),
                "exp", expiresAt.getEpochSecond());
    }

    private static String encode(Map<String, Object> json) {
        return B64.encodeToString(
                Rest.JSON.writeValueAsString(json).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(String secret, String input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(input.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
