-- enqueue.lua: store new jobs of one queue, all or none.
--
-- KEYS: the queue's keys (see lib.lua); KEYS[K_INDEX] (standalone only) the ID index.
-- ARGV (enqueueLayout in args_path.go): the queue header (see lib.lua), then
-- A_PREFIX    key prefix (to find a job that the ID index names in another queue)
-- A_N_JOBS    number of jobs n
-- A_N_EXTRAS  number of extras m
-- from A_JOBS, n groups of J_SIZE, one per job: J_ID id, J_PRIORITY
--             priority (1-4), J_STATE state ("pending" or "scheduled"), J_X
--             execute-at (unix nanoseconds), J_D static JSON (field d)
-- then m groups of E_SIZE, one per job whose ID goes in the ID index
-- (every other job has a generated ID and no unique key, see indexed in
-- store.go, and is checked against this queue only): E_JOB job number
--             (from 1), E_UNIQUE_KEY unique-key holder key
--             <prefix>:u:{<prefix>:ids}:<key> ('' : none or cluster mode),
--             E_HOLDER holder string "<id> <queue> <until ns or 0>", E_PX
--             PX milliseconds ('' : no TTL)
--
-- Returns 0 when every job was stored; the first ID already in use (a
-- string); or { i, holder ID } when the unique key of the i-th job (from 1)
-- is held by another job. In the last two cases nothing was stored. With
-- KEYS[K_INDEX], the index claims the IDs of the extras ("<server ms> <queue>")
-- and the unique keys are checked and taken here, in the same script;
-- without it (cluster) the caller claimed both beforehand with claim.lua.
-- The caller has checked that no two jobs of the batch share a unique key.
-- Pending jobs go to the back of their priority list and arm the wake-up
-- marker; scheduled ones wait in the schedule zset (scored in unix
-- microseconds, cut from the nanoseconds).
-- Out of memory (see lib.lua) its first write, an HSET, is refused: a full
-- Redis stores none of the jobs.
local base, queue, now_ns, prefix = ARGV[A_BASE], ARGV[A_QUEUE], ARGV[A_NOW_NS], ARGV[A_PREFIX]
local n, m = tonumber(ARGV[A_N_JOBS]), tonumber(ARGV[A_N_EXTRAS])
-- Check the type of only the keys this batch writes (a TYPE call costs as
-- much as a small write): the priority lists of its pending jobs and the
-- wake-up marker, the schedule if it has scheduled jobs, the ID index if it
-- claims IDs.
do
  local writes, pending = {}, false
  for i = 0, n - 1 do
    local o = A_JOBS + i * J_SIZE
    if ARGV[o + J_STATE] == 'pending' then
      writes[K_P1 + tonumber(ARGV[o + J_PRIORITY]) - 1], pending = true, true
    else
      writes[K_SCHEDULED] = true
    end
  end
  if pending then writes[K_WAKE] = true end
  if m > 0 then writes[K_INDEX] = true end
  local list = {}
  for _, k in ipairs({ K_P1, K_P2, K_P3, K_P4, K_SCHEDULED, K_WAKE, K_INDEX }) do
    if writes[k] then list[#list + 1] = k end
  end
  check_keys(unpack(list))
end
local index = KEYS[K_INDEX]
local e0 = A_JOBS + n * J_SIZE -- the first extra's ARGV index
-- extra[i] is the ARGV index of job i's extra (i from 0), nil when it has none.
local extra = {}
for j = 0, m - 1 do
  local e = e0 + j * E_SIZE
  extra[tonumber(ARGV[e + E_JOB]) - 1] = e
end
-- micros turns unix nanoseconds into unix microseconds, rounded down as
-- Go's Time.UnixMicro does.
local function micros(ns)
  if string.match(ns, '^%d%d%d%d+$') then return string.sub(ns, 1, -4) end
  return string.format('%.0f', math.floor(tonumber(ns) / 1000))
end
-- indexed returns the ARGV index of job i's extra when its ID goes in the
-- index (standalone mode), else nil or false.
local function indexed(i)
  return index and extra[i]
end
-- taken returns the first ID of the batch in use: its job exists here or,
-- for an indexed ID, by the index in another queue.
local function taken()
  for i = 0, n - 1 do
    local id = ARGV[A_JOBS + i * J_SIZE + J_ID]
    if redis.call('EXISTS', base .. 'j:' .. id) == 1 then return id end
    if indexed(i) then
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
    local id = ARGV[A_JOBS + i * J_SIZE + J_ID]
    if indexed(i) then ids[#ids + 1] = id end
    keys[#keys + 1] = base .. 'j:' .. id
  end
  if redis.call('EXISTS', unpack(keys)) > 0 then return taken() end
  if #ids > 0 then
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
  for j = 0, m - 1 do
    local e = e0 + j * E_SIZE
    local uk = ARGV[e + E_UNIQUE_KEY]
    if uk ~= '' then
      local holder = unique_holder(redis.call('GET', uk), now_ns, prefix)
      if holder then return { tonumber(ARGV[e + E_JOB]), holder } end
    end
  end
end
local claim -- the index value of this batch's IDs, made when first needed
local lists, claims = { {}, {}, {}, {} }, {}
local woken = false
for i = 0, n - 1 do
  local o = A_JOBS + i * J_SIZE
  local id, prio, state, x = ARGV[o + J_ID], ARGV[o + J_PRIORITY], ARGV[o + J_STATE], ARGV[o + J_X]
  redis.call('HSET', base .. 'j:' .. id, 'd', ARGV[o + J_D], 's', state, 'p', prio, 'x', x)
  local e = indexed(i)
  if e then
    if not claim then
      local t = redis.call('TIME')
      claim = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) .. ' ' .. queue
    end
    claims[#claims + 1] = id
    claims[#claims + 1] = claim
    if ARGV[e + E_UNIQUE_KEY] ~= '' then unique_set(ARGV[e + E_UNIQUE_KEY], ARGV[e + E_HOLDER], ARGV[e + E_PX]) end
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
    redis.call('ZADD', KEYS[K_SCHEDULED], micros(x), id)
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
