-- The members of a room's presence that have not expired by Redis's own clock.
-- KEYS: 1 presence zset.
local now = redis.call('TIME')
local nowMillis = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], nowMillis, '+inf')
