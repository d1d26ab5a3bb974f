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
-- {2, seq, 0} for a retry of a known clientMessageId, {0, 0, 0} when the seq counter is missing
-- (the caller seeds it from the archive and retries).
local existing = redis.call('GET', KEYS[1])
if existing then
  if ARGV[9] == '' then
    -- A write, so that the caller's WAIT covers the original write even if another connection
    -- (another chat-app) made it: replication is one ordered stream per master.
    redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
  end
  return {2, tonumber(existing), 0}
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
local now = redis.call('TIME')
local secs = tonumber(now[1])
local millis = math.floor(tonumber(now[2]) / 1000)
local days = math.floor(secs / 86400)
local sod = secs - days * 86400
-- days since 1970-01-01 -> civil date (H. Hinnant's algorithm)
local z = days + 719468
local era = math.floor(z / 146097)
local doe = z - era * 146097
local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
  - math.floor(doe / 146096)) / 365)
local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
local mp = math.floor((5 * doy + 2) / 153)
local day = doy - math.floor((153 * mp + 2) / 5) + 1
local month = mp < 10 and mp + 3 or mp - 9
local year = yoe + era * 400
if month <= 2 then year = year + 1 end
local sentAt = string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', year, month, day,
  math.floor(sod / 3600), math.floor((sod % 3600) / 60), sod % 60, millis)

local json = '{"id":"' .. ARGV[1] .. '","room":"' .. ARGV[2] .. '","seq":'
  .. string.format('%d', seq) .. ',"sender":' .. ARGV[3] .. ',"text":' .. ARGV[4]
  .. ',"sentAt":"' .. sentAt .. '"}'

redis.call('ZADD', KEYS[3], seq, json)
local windowSize = tonumber(ARGV[5])
if redis.call('ZCARD', KEYS[3]) > windowSize then
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(windowSize + 1))
end
redis.call('RPUSH', KEYS[4], json)
redis.call('SET', KEYS[1], seq, 'EX', tonumber(ARGV[6]))
if ARGV[9] ~= '' then
  redis.call(ARGV[9], ARGV[7], json)
end
return {1, seq, raised, json}
