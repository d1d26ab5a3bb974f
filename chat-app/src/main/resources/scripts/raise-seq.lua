-- Raises room seq counters to at least the seqs given, never lowers one, and leaves a missing
-- counter missing (the next SEND seeds it from the archive and the sender's high-water mark).
-- KEYS: seq counters; ARGV[i]: the floor for KEYS[i]. Returns how many counters were raised.
local raised = 0
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if current and tonumber(current) < tonumber(ARGV[i]) then
    redis.call('SET', key, ARGV[i])
    raised = raised + 1
  end
end
return raised
