-- Appends one message to a room atomically (all keys share the room's hash tag).
-- KEYS: 1 idempotency key, 2 seq counter, 3 window zset, 4 archive queue
-- ARGV: 1 message id, 2 room, 3 sender (JSON string literal), 4 text (JSON string literal),
--       5 window size, 6 idempotency ttl seconds, 7 pub/sub channel, 8 floor: the highest seq
--       the caller knows was given out in the room (a counter below it is raised first, so a
--       Redis that came back with older data never gives out a seq twice), 9 how to publish:
--       PUBLISH (single Redis), SPUBLISH (Redis Cluster: the channel shares the keys' slot), or
--       empty: durable acks, the caller publishes once replicas have the message (Redis WAIT)
-- Returns {1, seq, raised, json} for a new message (raised: 1 if the counter was below the floor;
-- the JSON as stored, for the caller to publish with durable acks and to keep among its recent
-- appends),
-- {2, seq, 0, json} for a retry of a known clientMessageId (json: the message as stored while the
-- window holds it, else nil: the first attempt's reply may have been lost, so the caller keeps it
-- among its recent appends as for a new one), {0, 0, 0} when the seq counter is missing (the caller
-- seeds it from the archive and retries).
local existing = redis.call('GET', KEYS[1])
if existing then
  if ARGV[9] == '' then
    -- A write, so that the caller's WAIT covers the original write even if another connection
    -- (another chat-app) made it: replication is one ordered stream per master.
    redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
  end
  local stored = redis.call('ZRANGEBYSCORE', KEYS[3], existing, existing)[1]
  return {2, tonumber(existing), 0, stored or false}
end
local counter = redis.call('GET', KEYS[2])
if not counter then
  return {0, 0, 0}
end
local raised = 0
local seqFloor = tonumber(ARGV[8])
if tonumber(counter) < seqFloor then
  redis.call('SET', KEYS[2], seqFloor)
  raised = 1
end
local seq = redis.call('INCR', KEYS[2])

-- sentAt from Redis's clock, the one clock of the cluster, as ISO-8601 UTC with millis.
-- Days since 1970-01-01 -> civil date (H. Hinnant's algorithm). floor(x / y) is written
-- (x - x % y) / y: all operands are non-negative whole numbers, so it is exact, and plain VM
-- arithmetic costs a fraction of a math.floor call (this part of the script took 4-5 µs of Redis
-- CPU with math.floor; bench/append-script-cost.sh).
local now = redis.call('TIME')
local secs = tonumber(now[1])
local micros = tonumber(now[2])
local sod = secs % 86400
local z = (secs - sod) / 86400 + 719468
local doe = z % 146097
local era = (z - doe) / 146097
local yoe = doe - (doe - doe % 1460) / 1460 + (doe - doe % 36524) / 36524
  - (doe - doe % 146096) / 146096
yoe = (yoe - yoe % 365) / 365
local doy = doe - 365 * yoe - (yoe - yoe % 4) / 4 + (yoe - yoe % 100) / 100
local mp = 5 * doy + 2
mp = (mp - mp % 153) / 153
local day = 153 * mp + 2
day = doy - (day - day % 5) / 5 + 1
local month = mp < 10 and mp + 3 or mp - 9
local year = yoe + era * 400
if month <= 2 then year = year + 1 end
local sos = sod % 3600
local sentAt = string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', year, month, day,
  (sod - sos) / 3600, (sos - sos % 60) / 60, sos % 60, (micros - micros % 1000) / 1000)

local json = '{"id":"' .. ARGV[1] .. '","room":"' .. ARGV[2] .. '","seq":'
  .. string.format('%d', seq) .. ',"sender":' .. ARGV[3] .. ',"text":' .. ARGV[4]
  .. ',"sentAt":"' .. sentAt .. '"}'

redis.call('ZADD', KEYS[3], seq, json)
-- Trimmed to the newest windowSize at every 64th seq, not at each append (a ZCARD and often a
-- ZREMRANGEBYRANK per append cost about 3 µs; bench/append-script-cost.sh): the window holds at
-- least the last windowSize messages and fewer than 64 more (a raised counter that skips a
-- multiple of 64 defers one trim). Readers ask for seq ranges, so extra ones only serve more
-- resumes from the window.
if seq % 64 == 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[5]) + 1))
end
redis.call('RPUSH', KEYS[4], json)
redis.call('SET', KEYS[1], seq, 'EX', tonumber(ARGV[6]))
if ARGV[9] ~= '' then
  redis.call(ARGV[9], ARGV[7], json)
end
return {1, seq, raised, json}
