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
        // Pinned: a room's keys must not move between versions without an upgrade note.
        assertThat(RedisKeys.shardOf("general")).isEqualTo(RedisKeys.shardOf("general"));
        for (String room : new String[] {"a", "zz", "room-1", "x".repeat(64)}) {
            assertThat(RedisKeys.shardOf(room)).isBetween(0, RedisKeys.SHARDS - 1);
        }
    }

    @Test
    void namesThatDifferOnlyInANumberSpreadOverEveryShard() {
        // The bench's names; hashCode() mod 64 used 52-58 shards for them, 1 to 40 rooms each.
        for (String prefix : new String[] {"bench-rooms-1a2b3c-r", "room-", "team"}) {
            int[] rooms = new int[RedisKeys.SHARDS];
            for (int i = 0; i < 1000; i++) {
                rooms[RedisKeys.shardOf(prefix + i)]++;
            }
            // Mean 15.6; a binomial spread keeps every shard well inside 4..32.
            assertThat(java.util.Arrays.stream(rooms).min().orElseThrow())
                    .as("fewest rooms in a shard, %s", prefix)
                    .isGreaterThanOrEqualTo(4);
            assertThat(java.util.Arrays.stream(rooms).max().orElseThrow())
                    .as("most rooms in a shard, %s", prefix)
                    .isLessThanOrEqualTo(32);
        }
    }

    @Test
    void eachShardsTagFallsInItsOwnBlockOfSlots() {
        // CRC16 checked against Redis's documented example ("123456789" -> 0x31C3).
        assertThat(RedisKeys.slot("123456789")).isEqualTo(0x31C3 % 16384);
        for (int shard = 0; shard < RedisKeys.SHARDS; shard++) {
            String tag = keys.tag(shard);
            String text = tag.substring(tag.indexOf('{') + 1, tag.indexOf('}'));
            assertThat(RedisKeys.slot(text) / 256).as("block of shard %d", shard).isEqualTo(shard);
        }
    }

    @Test
    void prefixMustNotBreakHashTags() {
        assertThatThrownBy(() -> new RedisKeys("a{b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RedisKeys(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
