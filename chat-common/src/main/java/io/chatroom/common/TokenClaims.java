package io.chatroom.common;

/**
 * Login tokens are HS256 JWTs signed with {@code chatroom.auth.secret}: {@code sub} is the
 * username, {@code jti} the id that logout revokes, {@code iss} is {@link #ISSUER}. Any other
 * algorithm, including {@code none}, is refused.
 */
public final class TokenClaims {
    public static final String ISSUER = "chatroom";
    public static final String ALGORITHM = "HS256";
    public static final int MIN_SECRET_BYTES = 32;

    private TokenClaims() {}
}
