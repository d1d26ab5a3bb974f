-- Raises a room's seq counter to at least ARGV[1], never lowers it, and leaves a missing counter
-- missing (the next SEND seeds it from the archive and this server's high-water mark).
-- KEYS: 1 seq counter. Returns 1 when raised, else 0.
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return 0
