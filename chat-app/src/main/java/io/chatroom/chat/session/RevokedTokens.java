package io.chatroom.chat.session;

import io.chatroom.common.RedisKeys;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Which token ids logout revoked. The coordinator writes each revocation to PostgreSQL first and
 * then to Redis; Redis answers fast, but may have come back with older data (a restart from an
 * older snapshot, a failover), so PostgreSQL is asked too and wins: a token revoked there stays
 * revoked whatever Redis says.
 */
@Component
class RevokedTokens {
    private static final Logger log = LoggerFactory.getLogger(RevokedTokens.class);
    private static final String REVOKED_AMONG =
            "select jti from coordinator.revoked_token where jti = any(?)";

    /** Token ids asked about per EXISTS: no single command holds Redis long. */
    private static final int KEYS_PER_CHECK = 1000;

    private final StringRedisTemplate redis;
    private final JdbcTemplate jdbc;
    private final RedisKeys keys;

    RevokedTokens(StringRedisTemplate redis, JdbcTemplate jdbc, RedisKeys keys) {
        this.redis = redis;
        this.jdbc = jdbc;
        this.keys = keys;
    }

    /**
     * Whether the token id was revoked.
     *
     * @throws DataAccessException when Redis cannot be asked (callers fail closed)
     */
    boolean isRevoked(String tokenId) {
        if (Boolean.TRUE.equals(redis.hasKey(keys.revokedToken(tokenId)))) {
            return true;
        }
        return !revokedInDatabase(List.of(tokenId)).isEmpty();
    }

    /** The ids among {@code tokenIds} that are revoked, by Redis or by PostgreSQL. */
    Set<String> revokedAmong(Collection<String> tokenIds) {
        Set<String> revoked = new HashSet<>(revokedInDatabase(tokenIds));
        List<String> unknown = tokenIds.stream().filter(id -> !revoked.contains(id)).toList();
        try {
            // One EXISTS per thousand tokens (split by slot on a cluster); one per token only
            // where some of them are there.
            for (int from = 0; from < unknown.size(); from += KEYS_PER_CHECK) {
                List<String> chunk =
                        unknown.subList(from, Math.min(unknown.size(), from + KEYS_PER_CHECK));
                Long inRedis =
                        redis.countExistingKeys(chunk.stream().map(keys::revokedToken).toList());
                if (inRedis == null || inRedis > 0) {
                    for (String tokenId : chunk) {
                        if (Boolean.TRUE.equals(redis.hasKey(keys.revokedToken(tokenId)))) {
                            revoked.add(tokenId);
                        }
                    }
                }
            }
        } catch (DataAccessException e) {
            log.debug("revocation check in Redis skipped: {}", e.toString());
        }
        return revoked;
    }

    private List<String> revokedInDatabase(Collection<String> tokenIds) {
        if (tokenIds.isEmpty()) {
            return List.of();
        }
        try {
            return jdbc.queryForList(
                    REVOKED_AMONG, String.class, (Object) tokenIds.toArray(String[]::new));
        } catch (BadSqlGrammarException e) {
            // No coordinator schema yet: nobody ever logged out.
            return List.of();
        } catch (DataAccessException e) {
            // PostgreSQL away: Redis alone answers until it is back.
            log.debug("revocation check in PostgreSQL skipped: {}", e.toString());
            return List.of();
        }
    }
}
