package io.chatroom.chat.cluster;

import io.chatroom.chat.ChatroomProperties;
import io.chatroom.chat.room.RoomRelay;
import io.chatroom.common.RedisKeys;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;

/**
 * Notices that Redis lost its data: the cluster epoch key ({@link RedisKeys#epoch()}) holds a
 * random id created with SET NX by whichever app sees it missing first; when its value changes or
 * it disappears, every room of the relay re-syncs at once.
 */
@Component
class ClusterEpochWatcher {
    private static final Logger log = LoggerFactory.getLogger(ClusterEpochWatcher.class);

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final RoomRelay relay;

    /** Epoch value last seen; null before the first successful read. Only the scheduler uses it. */
    private volatile String knownEpoch;

    ClusterEpochWatcher(
            StringRedisTemplate redis,
            RedisKeys keys,
            RoomRelay relay,
            @Qualifier("chatTaskScheduler") TaskScheduler scheduler,
            ChatroomProperties properties) {
        this.redis = redis;
        this.keys = keys;
        this.relay = relay;
        scheduler.scheduleWithFixedDelay(this::check, properties.relay().syncInterval());
    }

    void check() {
        String epoch;
        try {
            epoch = redis.opsForValue().get(keys.epoch());
            if (epoch == null) {
                // Never a constant: a wiped Redis must always get a value no app has seen before.
                redis.opsForValue().setIfAbsent(keys.epoch(), UUID.randomUUID().toString());
                epoch = redis.opsForValue().get(keys.epoch());
            }
        } catch (DataAccessException e) {
            log.debug("cluster epoch check skipped, Redis unavailable: {}", e.toString());
            return;
        }
        if (epoch == null || epoch.equals(knownEpoch)) {
            return;
        }
        if (knownEpoch != null) {
            log.warn("Redis cluster epoch changed (Redis lost its data?); re-syncing every room");
            relay.redisDataLost();
        }
        knownEpoch = epoch;
    }
}
