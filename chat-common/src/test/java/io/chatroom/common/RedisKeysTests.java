package io.chatroom.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisKeysTests {

    private final RedisKeys keys = new RedisKeys("t1");

    @Test
    void keysOfOneRoomShareOneHashTag() {
        String tag = keys.tag(RedisKeys.shardOf("general"));
        assertThat(keys.roomSeq("general")).startsWith(tag + ":");
        assertThat(keys.roomWindow("general")).startsWith(tag + ":");
        assertThat(keys.idempotency("general", "abc")).startsWith(tag + ":");
        assertThat(keys.archiveQueue(RedisKeys.shardOf("general"))).startsWith(tag + ":");
    }

    @Test
    void shardIsStableAndInRange() {
        assertThat(RedisKeys.shardOf("general")).isEqualTo(Math.floorMod("general".hashCode(), 64));
        for (String room : new String[] {"a", "zz", "room-1", "x".repeat(64)}) {
            assertThat(RedisKeys.shardOf(room)).isBetween(0, RedisKeys.SHARDS - 1);
        }
    }

    @Test
    void prefixMustNotBreakHashTags() {
        assertThatThrownBy(() -> new RedisKeys("a{b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RedisKeys(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
