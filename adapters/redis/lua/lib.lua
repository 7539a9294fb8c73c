-- lib.lua: helpers shared by every script. scripts.go prepends this file to
-- each script, so every script sees the same KEYS layout:
--
-- KEYS[1..4]  <base>p1 .. <base>p4  pending job IDs of priority 1 (low) .. 4 (critical), lists, FIFO
-- KEYS[5]     <base>sched           scheduled job IDs, zset scored by execute-at (unix microseconds)
-- KEYS[6]     <base>retry           retrying job IDs, zset scored by execute-at (unix microseconds)
-- KEYS[7]     <base>lease           running job IDs, zset scored by lease deadline (unix microseconds)
-- KEYS[8]     <base>wake            wake-up marker, zset with at most one member; workers BZPOPMIN it
-- KEYS[9]     <base>dead            failed job IDs (dead letters), zset scored by finish time
-- KEYS[10]    <base>done            completed job IDs, zset scored by finish time
-- KEYS[11]    <base>stats           hash of counters: processed, succeeded, failed, timed, dur_ns
-- KEYS[12]    <base>gone            list of IDs whose jobs were trimmed, for the ID index clean-up
-- KEYS[13]    <base>cancelled       cancelled job IDs, zset scored by finish time
-- KEYS[14]    <base>paused          set (to "1") while the queue is paused; Dequeue takes nothing
-- KEYS[15]    <prefix>:ids          (standalone mode only) the ID index, hash id -> "<ms> <queue>"
--
-- <base> is "<prefix>:{<queue>}:", so KEYS[1..14] share the queue's hash tag.
-- Every script takes ARGV[1] = <base>, ARGV[2] = queue name, ARGV[3] = now
-- in unix microseconds (zset scores) and ARGV[4] = now in unix nanoseconds
-- (stored times); its own arguments follow from ARGV[5].
-- Job hashes live at <base>j:<id> and per-type history lists at
-- <base>h:<type>; scripts build those names from ARGV[1] (= <base>), which
-- keeps them in the same slot. KEYS[15] is only passed when the client is
-- not a cluster client (all keys then live on one server); only then do
-- scripts touch unique-key holders (<prefix>:u:{<prefix>:ids}:<unique key>,
-- strings "<holder ID> <queue> <until unix ns, or 0: while active>"), whose
-- names the caller passes in ARGV. On a cluster the Go code handles them
-- with claim.lua and unique.lua in the index's slot.
--
-- Job hash fields: d static JSON (type, args, ...), s state, p priority
-- (1-4), a attempt, x execute-at, st started-at, fi finished-at, l lease
-- deadline (all times unix nanoseconds as decimal strings, never used in
-- arithmetic), r result JSON, e error JSON, raw (what a corrupt job held).
-- A field set to '' reads as absent: scripts clear fields that way, which
-- costs no HDEL.

local PRIO = { ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true }
local STATES = { pending = true, scheduled = true, running = true, retrying = true,
  completed = true, failed = true, cancelled = true }
local ACTIVE = { pending = true, scheduled = true, running = true, retrying = true }

-- hmget reads fields of a hash; nil when the key holds another type.
local function hmget(key, ...)
  local r = redis.pcall('HMGET', key, ...)
  if type(r) == 'table' and r.err then return nil end
  return r
end

-- pad left-pads a decimal string to 20 digits so that strings compare as numbers.
local function pad(s)
  return string.rep('0', 20 - #s) .. s
end

-- chunked runs redis.call(head..., items...) once per 1,000 items of list
-- (unpack's stack is bounded); nothing when list is empty.
local function chunked(head, list)
  for i = 1, #list, 1000 do
    local args = { unpack(head) }
    for j = i, math.min(i + 999, #list) do args[#args + 1] = list[j] end
    redis.call(unpack(args))
  end
end

-- forget drops ids from the ID index (standalone) or records them for the
-- maintainer to drop (cluster).
local function forget(ids)
  if not KEYS[15] then
    chunked({ 'RPUSH', KEYS[12] }, ids)
    return
  end
  local mine = {}
  for i = 1, #ids, 1000 do
    local part = { unpack(ids, i, math.min(i + 999, #ids)) }
    local vs = redis.call('HMGET', KEYS[15], unpack(part))
    for j, v in ipairs(part) do
      if vs[j] and string.match(vs[j], '^%d+ (.*)$') == ARGV[2] then mine[#mine + 1] = v end
    end
  end
  chunked({ 'HDEL', KEYS[15] }, mine)
end

-- drop deletes the jobs ids from the zset KEYS[zi] and forgets them.
local function drop(base, zi, ids)
  if #ids == 0 then return end
  local keys = {}
  for i, id in ipairs(ids) do keys[i] = base .. 'j:' .. id end
  chunked({ 'DEL' }, keys)
  forget(ids)
  chunked({ 'ZREM', KEYS[zi] }, ids)
end

-- trim_zset keeps at most maxcount members in KEYS[zi] and, when minscore
-- is given, none scored below it (at most 1,000 of each per call).
local function trim_zset(base, zi, maxcount, minscore)
  if minscore then
    drop(base, zi, redis.call('ZRANGEBYSCORE', KEYS[zi], '-inf', '(' .. minscore, 'LIMIT', 0, 1000))
  end
  local over = redis.call('ZCARD', KEYS[zi]) - maxcount
  if over > 0 then
    drop(base, zi, redis.call('ZRANGE', KEYS[zi], 0, math.min(over, 1000) - 1))
  end
end

-- count adds one finished attempt to the queue's counters; dur is its
-- duration in nanoseconds ('' when unknown).
local function count(ok, dur)
  redis.call('HINCRBY', KEYS[11], 'processed', 1)
  redis.call('HINCRBY', KEYS[11], ok and 'succeeded' or 'failed', 1)
  if dur ~= '' then
    redis.call('HINCRBY', KEYS[11], 'timed', 1)
    redis.call('HINCRBY', KEYS[11], 'dur_ns', dur)
  end
end

-- describe says what is wrong with the job at key, for a corrupt_job error.
local function describe(key)
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then return 'its data is missing', '' end
  if kind == 'string' then
    local raw = redis.call('GETRANGE', key, 0, 1023)
    return 'the key holds a string instead of a job hash (starts with ' .. string.format('%q', string.sub(raw, 1, 80)) .. ')', raw
  end
  if kind ~= 'hash' then return 'the key holds a ' .. kind .. ' instead of a job hash', '' end
  local f = redis.call('HMGET', key, 's', 'a', 'p', 'd')
  local raw = f[4] or ''
  if not STATES[f[1] or ''] then return 'its state ' .. string.format('%q', tostring(f[1] or '')) .. ' is unknown', raw end
  if not tonumber(f[2] or '') then return 'its attempt ' .. string.format('%q', tostring(f[2] or '')) .. ' is not a number', raw end
  if not PRIO[f[3] or ''] then return 'its priority ' .. string.format('%q', tostring(f[3] or '')) .. ' is not 1-4', raw end
  return 'its data field is missing', raw
end

-- quarantine turns the job at <base>j:<id> into a well-formed failed job
-- with a corrupt_job error, puts it in the dead-letter queue and counts a
-- failed attempt. The caller has taken id out of every other structure.
-- why (may be nil) explains the corruption; jobtype is kept when known.
local function quarantine(base, id, now_us, now_ns, jobtype, why)
  local key = base .. 'j:' .. id
  local reason, raw = describe(key)
  local attempt = '0'
  if redis.call('TYPE', key)['ok'] == 'hash' then
    local a = redis.call('HGET', key, 'a')
    if a and tonumber(a) then attempt = a end
  end
  if why and why ~= '' then reason = why end
  local d = '{}'
  if jobtype ~= '' then d = cjson.encode({ t = jobtype }) end
  local e = cjson.encode({ type = 'corrupt_job', message = 'job ' .. id .. ' is corrupt in Redis: ' .. reason })
  redis.call('DEL', key)
  redis.call('HSET', key, 'd', d, 's', 'failed', 'p', '2', 'a', attempt, 'x', now_ns, 'fi', now_ns, 'e', e, 'raw', string.sub(raw, 1, 1024))
  redis.call('ZADD', KEYS[9], now_us, id)
  count(false, '')
end

-- wake arms the wake-up marker so that one blocked worker runs Dequeue.
local function wake()
  redis.call('ZADD', KEYS[8], 0, 'w')
end

-- promote moves up to limit due scheduled and retrying jobs (execute-at
-- <= now) to the back of their pending lists, earliest first, and returns
-- how many it moved. Entries for jobs in another state are dropped; corrupt
-- jobs are quarantined.
local function promote(base, now_us, now_ns, limit)
  local moved = 0
  for _, zi in ipairs({ 5, 6 }) do
    local want = (zi == 5) and 'scheduled' or 'retrying'
    local due = redis.call('ZRANGEBYSCORE', KEYS[zi], '-inf', now_us, 'WITHSCORES', 'LIMIT', 0, limit)
    for i = 1, #due, 2 do
      local id, key = due[i], base .. 'j:' .. due[i]
      local f = hmget(key, 's', 'p', 'x')
      -- A job due within the current microsecond waits until its nanosecond.
      local early = f and f[3] and due[i + 1] == now_us and pad(f[3]) > pad(now_ns)
      if not early then
        redis.call('ZREM', KEYS[zi], id)
        if f and f[1] == want and PRIO[f[2] or ''] then
          redis.call('HSET', key, 's', 'pending')
          redis.call('RPUSH', KEYS[tonumber(f[2])], id)
          moved = moved + 1
        elseif not (f and STATES[f[1] or ''] and PRIO[f[2] or '']) then
          quarantine(base, id, now_us, now_ns, '', nil)
        end
      end
    end
  end
  if moved > 0 then wake() end
  return moved
end


-- unique_holder returns the ID of the job that holds a unique key whose
-- holder string is v (false or nil: none), or nil when the key is free at
-- now_ns. A holder with a TTL holds it until then, whatever its state. A
-- holder without one holds it while its job is active: with prefix that is
-- checked here (standalone mode, any slot is readable); without it the
-- holder is returned with a second value true, "unsure", for the caller
-- to check.
local function unique_holder(v, now_ns, prefix)
  if not v then return nil end
  local id, q, till = string.match(v, '^(%S+) (%S+) (%d+)$')
  if not id then return nil end
  if till ~= '0' then
    if pad(now_ns) < pad(till) then return id end
    return nil
  end
  if not prefix then return id, true end
  local f = hmget(prefix .. ':{' .. q .. '}:j:' .. id, 's')
  if f and ACTIVE[f[1] or ''] then return id end
  return nil
end

-- unique_set makes v the holder string at key uk, expiring after px
-- milliseconds when px is not ''.
local function unique_set(uk, v, px)
  if px ~= '' then
    redis.call('SET', uk, v, 'PX', px)
  else
    redis.call('SET', uk, v)
  end
end

-- unique_apply frees or retakes the unique key uk for the job whose holder
-- string is v: op 'free' deletes it while v holds it; op 'take' makes v the
-- holder again unless another job holds it (prefix as for unique_holder;
-- an unsure holder is left alone).
local function unique_apply(uk, op, v, px, now_ns, prefix)
  local cur = redis.call('GET', uk)
  if op == 'free' then
    if cur == v then redis.call('DEL', uk) end
  elseif op == 'take' then
    if cur ~= v and unique_holder(cur, now_ns, prefix) then return end
    unique_set(uk, v, px)
  end
end

-- prefix_of returns the key prefix, from ARGV[1] = "<prefix>:{<queue>}:"
-- and ARGV[2] = queue.
local function prefix_of()
  return string.sub(ARGV[1], 1, #ARGV[1] - #ARGV[2] - 4)
end
