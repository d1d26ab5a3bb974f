-- Writes back messages this server appended and acked that a restarted Redis may have lost (it
-- came back from an older snapshot, or empty), so they still reach the archive, and the window and
-- the room's relays where the window lost them.
-- KEYS: 1 seq counter, 2 window zset, 3 archive queue, then the messages' idempotency keys
-- ARGV: 1 window size, 2 idempotency ttl seconds, 3 pub/sub channel, then per message i (in
--       increasing seq): ARGV[2 + 2i] its seq, ARGV[3 + 2i] its JSON
-- Every message goes to the archive queue again (the archiver skips one it already holds, same
-- id). A message is written back to the window and the channel when it is lost: the window lacks
-- its seq but holds older ones (or, window empty, its seq is above the counter); the counter alone
-- cannot tell, since another server's write-back may already have raised it past this server's
-- messages. A seq below the window's oldest was trimmed from it before the snapshot. With the
-- counter missing (Redis was wiped) the window is left alone: the fence seeds the counter next.
-- Returns how many messages were written back to the window.
local counter = redis.call('GET', KEYS[1])
local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
oldest = oldest and tonumber(oldest) or nil
local rewritten = 0
local highest = 0
for i = 1, #KEYS - 3 do
  local seq = tonumber(ARGV[2 + 2 * i])
  local json = ARGV[3 + 2 * i]
  redis.call('RPUSH', KEYS[3], json)
  redis.call('SET', KEYS[3 + i], seq, 'EX', tonumber(ARGV[2]), 'NX')
  local lost = false
  if counter then
    if oldest == nil then
      lost = seq > tonumber(counter)
    else
      lost = seq > oldest and #redis.call('ZRANGEBYSCORE', KEYS[2], seq, seq) == 0
    end
  end
  if lost then
    redis.call('ZADD', KEYS[2], seq, json)
    redis.call('PUBLISH', ARGV[3], json)
    rewritten = rewritten + 1
    if seq > highest then highest = seq end
  end
end
if counter and highest > tonumber(counter) then
  redis.call('SET', KEYS[1], highest)
end
if rewritten > 0 then
  local windowSize = tonumber(ARGV[1])
  if redis.call('ZCARD', KEYS[2]) > windowSize then
    redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(windowSize + 1))
  end
end
return rewritten
