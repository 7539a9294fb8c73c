-- claim.lua: reserve job IDs in the ID index before their jobs are stored
-- (cluster mode, where one script cannot touch the index and a queue).
--
-- KEYS[1]  the ID index <prefix>:ids, hash id -> "<server ms> <queue>"
-- ARGV[1]  number of IDs n, then n groups of 3:
--          id, queue, value the caller found stale and may replace ('' : none)
--
-- All or none: when any ID is held (by a value other than the stale one
-- given), nothing is claimed and the script returns { id1, value1, age1 ms,
-- id2, ... } for every held ID. Otherwise it claims them all and returns {}.
local n = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = {}
for i = 0, n - 1 do
  local id, stale = ARGV[2 + i * 3], ARGV[4 + i * 3]
  local v = redis.call('HGET', KEYS[1], id)
  if v and v ~= stale then
    held[#held + 1] = id
    held[#held + 1] = v
    held[#held + 1] = tostring(now - (tonumber(string.match(v, '^(%d+) ')) or 0))
  end
end
if #held > 0 then return held end
for i = 0, n - 1 do
  redis.call('HSET', KEYS[1], ARGV[2 + i * 3], tostring(now) .. ' ' .. ARGV[3 + i * 3])
end
return {}
