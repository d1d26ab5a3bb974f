-- Raises room seq counters to at least the seqs given, never lowering one. ARGV[1]: 'raise'
-- leaves a missing counter missing and reports it; 'seed' sets a missing counter too (the caller
-- passes at least the archive's max(seq) for those).
-- KEYS: seq counters; ARGV[1 + i]: the floor for KEYS[i].
-- Returns {counters raised or seeded, then the 1-based indexes of missing counters ('raise')}.
local seed = ARGV[1] == 'seed'
local result = {0}
for i, key in ipairs(KEYS) do
  local floor = tonumber(ARGV[1 + i])
  local current = redis.call('GET', key)
  if not current then
    if seed then
      redis.call('SET', key, floor)
      result[1] = result[1] + 1
    else
      result[#result + 1] = i
    end
  elseif tonumber(current) < floor then
    redis.call('SET', key, floor)
    result[1] = result[1] + 1
  end
end
return result
