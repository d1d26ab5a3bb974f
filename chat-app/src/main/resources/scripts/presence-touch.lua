-- Marks members present in a room until Redis's own clock passes now + ttl, and drops expired
-- members, so servers whose clocks disagree never expire each other's live entries.
-- KEYS: 1 presence zset. ARGV: 1 ttl millis, 2.. members to add (none: only drop expired ones).
local now = redis.call('TIME')
local nowMillis = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local expires = nowMillis + tonumber(ARGV[1])
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], expires, ARGV[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMillis)
-- The set itself expires with its last entry, so a room nobody is in leaves no key behind.
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
end
return nowMillis
