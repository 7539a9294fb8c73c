-- lib.lua: helpers shared by every script. scripts.go prepends this file to
-- each script, so every script sees the same KEYS layout:
--
-- KEYS[1..4]  <base>p1 .. <base>p4  pending job IDs of priority 1 (low) .. 4 (critical), lists, FIFO
-- KEYS[5]     <base>sched           scheduled job IDs, zset scored by execute-at (unix microseconds)
-- KEYS[6]     <base>retry           retrying job IDs, zset scored by execute-at (unix microseconds)
-- KEYS[7]     <base>lease           running job IDs, zset scored by lease deadline (unix microseconds)
-- KEYS[8]     <base>wake            wake-up marker, zset with at most one member; workers BZPOPMIN it
-- KEYS[9]     <base>dead            failed job IDs (dead letters), zset scored by finish time
-- KEYS[10]    <base>done            completed and cancelled job IDs, zset scored by finish time
-- KEYS[11]    <base>stats           hash of counters: processed, succeeded, failed, timed, dur_ns
-- KEYS[12]    <base>gone            list of IDs whose jobs were trimmed, for the ID index clean-up
-- KEYS[13]    <prefix>:ids          (standalone mode only) the ID index, hash id -> "<ms> <queue>"
--
-- <base> is "<prefix>:{<queue>}:", so KEYS[1..12] share the queue's hash tag.
-- Every script takes ARGV[1] = <base>, ARGV[2] = queue name, ARGV[3] = now
-- in unix microseconds (zset scores) and ARGV[4] = now in unix nanoseconds
-- (stored times); its own arguments follow from ARGV[5].
-- Job hashes live at <base>j:<id> and per-type history lists at
-- <base>h:<type>; scripts build those names from ARGV[1] (= <base>), which
-- keeps them in the same slot. KEYS[13] is only passed when the client is
-- not a cluster client (all keys then live on one server).
--
-- Job hash fields: d static JSON (type, args, ...), s state, p priority
-- (1-4), a attempt, x execute-at, st started-at, fi finished-at, l lease
-- deadline (all times unix nanoseconds as decimal strings, never used in
-- arithmetic), r result JSON, e error JSON, raw (what a corrupt job held).

local PRIO = { ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true }
local STATES = { pending = true, scheduled = true, running = true, retrying = true,
  completed = true, failed = true, cancelled = true }

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

-- forget drops id from the ID index (standalone) or records it for the
-- maintainer to drop (cluster).
local function forget(base, id)
  if KEYS[13] then
    local v = redis.call('HGET', KEYS[13], id)
    if v and string.match(v, '^%d+ (.*)$') == ARGV[2] then redis.call('HDEL', KEYS[13], id) end
  else
    redis.call('RPUSH', KEYS[12], id)
  end
end

-- drop deletes the jobs ids from the zset KEYS[zi] and forgets them.
local function drop(base, zi, ids)
  if #ids == 0 then return end
  for _, id in ipairs(ids) do
    redis.call('DEL', base .. 'j:' .. id)
    forget(base, id)
  end
  redis.call('ZREM', KEYS[zi], unpack(ids))
end

-- trim keeps at most maxcount members in KEYS[zi] and, when minscore is
-- given, none scored below it.
local function trim(base, zi, maxcount, minscore)
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

