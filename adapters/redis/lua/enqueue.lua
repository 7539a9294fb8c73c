-- enqueue.lua: store new jobs of one queue, all or none.
--
-- KEYS: the queue's keys (see lib.lua); KEYS[13] (standalone only) the ID index.
-- ARGV[5]  key prefix (to find a job that the ID index names in another queue)
-- ARGV[6]  number of jobs n, then n groups of 6:
--          id, priority (1-4), state ("pending" or "scheduled"),
--          execute-at (unix microseconds), execute-at (unix nanoseconds),
--          static JSON (field d)
--
-- Returns 0 when every job was stored, or the first ID already in use
-- (then nothing was stored). With KEYS[13], the index claims every ID
-- ("<server ms> <queue>"); without it the caller claimed them beforehand.
-- Pending jobs go to the back of their priority list and arm the wake-up
-- marker; scheduled ones wait in the schedule zset.
local base, queue, prefix, n = ARGV[1], ARGV[2], ARGV[5], tonumber(ARGV[6])
for i = 0, n - 1 do
  local id = ARGV[7 + i * 6]
  if redis.call('EXISTS', base .. 'j:' .. id) == 1 then return id end
  if KEYS[13] then
    local v = redis.call('HGET', KEYS[13], id)
    local q = v and string.match(v, '^%d+ (.*)$')
    if q and redis.call('EXISTS', prefix .. ':{' .. q .. '}:j:' .. id) == 1 then return id end
  end
end
local claim
if KEYS[13] then
  local t = redis.call('TIME')
  claim = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) .. ' ' .. queue
end
local lists = { {}, {}, {}, {} }
for i = 0, n - 1 do
  local o = 7 + i * 6
  local id, prio, state = ARGV[o], ARGV[o + 1], ARGV[o + 2]
  redis.call('HSET', base .. 'j:' .. id, 'd', ARGV[o + 5], 's', state, 'p', prio, 'a', '0', 'x', ARGV[o + 4])
  if claim then redis.call('HSET', KEYS[13], id, claim) end
  if state == 'pending' then
    local l = lists[tonumber(prio)]
    l[#l + 1] = id
    if #l == 1000 then
      redis.call('RPUSH', KEYS[tonumber(prio)], unpack(l))
      lists[tonumber(prio)] = {}
    end
  else
    redis.call('ZADD', KEYS[5], ARGV[o + 3], id)
  end
end
local woken = false
for i = 0, n - 1 do
  if ARGV[9 + i * 6] == 'pending' then woken = true end
end
for p = 1, 4 do
  if #lists[p] > 0 then
    redis.call('RPUSH', KEYS[p], unpack(lists[p]))
  end
end
if woken then wake() end
return 0
