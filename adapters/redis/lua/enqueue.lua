-- enqueue.lua: store new jobs of one queue, all or none.
--
-- KEYS: the queue's keys (see lib.lua); KEYS[15] (standalone only) the ID index.
-- ARGV[5]  key prefix (to find a job that the ID index names in another queue)
-- ARGV[6]  number of jobs n, then n groups of 10:
--          id, priority (1-4), state ("pending" or "scheduled"),
--          execute-at (unix microseconds), execute-at (unix nanoseconds),
--          static JSON (field d),
--          unique-key holder key <prefix>:u:{<prefix>:ids}:<key> ('' : not unique),
--          holder string "<id> <queue> <until ns or 0>", PX milliseconds ('' : no TTL),
--          '1' when the ID goes in the ID index, '' when it is a generated
--          one (see ids.go), checked against this queue only
--
-- Returns 0 when every job was stored; the first ID already in use (a
-- string); or { i, holder ID } when the unique key of the i-th job (from 1)
-- is held by another job. In the last two cases nothing was stored. With
-- KEYS[15], the index claims the IDs flagged for it ("<server ms> <queue>")
-- and the unique keys are checked and taken here, in the same script;
-- without it (cluster) the caller claimed both beforehand with claim.lua.
-- The caller has checked that no two jobs of the batch share a unique key.
-- Pending jobs go to the back of their priority list and arm the wake-up
-- marker; scheduled ones wait in the schedule zset.
local base, queue, now_ns, prefix, n = ARGV[1], ARGV[2], ARGV[4], ARGV[5], tonumber(ARGV[6])
local index = KEYS[15]
-- taken returns the first ID of the batch in use: its job exists here or,
-- for an indexed ID, by the index in another queue.
local function taken()
  for i = 0, n - 1 do
    local id = ARGV[7 + i * 10]
    if redis.call('EXISTS', base .. 'j:' .. id) == 1 then return id end
    if index and ARGV[16 + i * 10] == '1' then
      local v = redis.call('HGET', index, id)
      local q = v and string.match(v, '^%d+ (.*)$')
      if q and redis.call('EXISTS', prefix .. ':{' .. q .. '}:j:' .. id) == 1 then return id end
    end
  end
end
-- The common case, no ID in use, costs one EXISTS and at most one HMGET
-- per 1,000 jobs; taken() names the culprit otherwise.
for c = 0, n - 1, 1000 do
  local keys, ids = {}, {}
  for i = c, math.min(c + 999, n - 1) do
    local id = ARGV[7 + i * 10]
    if ARGV[16 + i * 10] == '1' then ids[#ids + 1] = id end
    keys[#keys + 1] = base .. 'j:' .. id
  end
  if redis.call('EXISTS', unpack(keys)) > 0 then return taken() end
  if index and #ids > 0 then
    for _, v in ipairs(redis.call('HMGET', index, unpack(ids))) do
      if v then
        local id = taken()
        if id then return id end
        break
      end
    end
  end
end
if index then
  for i = 0, n - 1 do
    local uk = ARGV[13 + i * 10]
    if uk ~= '' then
      local holder = unique_holder(redis.call('GET', uk), now_ns, prefix)
      if holder then return { i + 1, holder } end
    end
  end
end
local claim -- the index value of this batch's IDs, made when first needed
local lists, claims = { {}, {}, {}, {} }, {}
local woken = false
for i = 0, n - 1 do
  local o = 7 + i * 10
  local id, prio, state = ARGV[o], ARGV[o + 1], ARGV[o + 2]
  redis.call('HSET', base .. 'j:' .. id, 'd', ARGV[o + 5], 's', state, 'p', prio, 'a', '0', 'x', ARGV[o + 4])
  if index then
    if ARGV[o + 9] == '1' then
      if not claim then
        local t = redis.call('TIME')
        claim = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) .. ' ' .. queue
      end
      claims[#claims + 1] = id
      claims[#claims + 1] = claim
    end
    if ARGV[o + 6] ~= '' then unique_set(ARGV[o + 6], ARGV[o + 7], ARGV[o + 8]) end
  end
  if state == 'pending' then
    woken = true
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
chunked({ 'HSET', index }, claims)
for p = 1, 4 do
  if #lists[p] > 0 then
    redis.call('RPUSH', KEYS[p], unpack(lists[p]))
  end
end
if woken then wake() end
return 0
