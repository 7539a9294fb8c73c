-- fn_move.lua: move(at) applies state changes the caller computed (Ack,
-- Cancel, Delete, RetryDeadLetter, bulk dead-letter repair, lease
-- recovery), each fenced on what the caller read. move.lua and cycle.lua
-- call it.
--
-- KEYS: the queue's keys (see lib.lua); KEYS[K_INDEX] (standalone only) the ID index.
-- Its arguments start at ARGV[at]; the numbers below are for at = 5 (move.lua).
-- ARGV[5]  dead-letter cap (count)
-- ARGV[6]  dead-letter age cap: drop dead letters scored below this (unix microseconds)
-- ARGV[7]  completed cap and cancelled cap (count, each; 0: such jobs are deleted as they finish)
-- ARGV[8]  completed/cancelled age cap: drop those scored below this (unix microseconds)
-- ARGV[9]  per-type history cap (count)
-- ARGV[10] channel on which to publish the IDs of cancelled running jobs
-- ARGV[11] number of changes n, then n groups, each of 11 + 2k (+ 4) values:
--   1 id
--   2 expected state ('*': any, no fence; the job is taken out of every structure)
--   3 expected attempt ('' : not checked)
--   4 expected lease deadline, field l ('' : not checked)
--   5 new state, or 'deleted' to remove the job
--   6 flags, any of: 'f' put a pending job at the front of its list (a
--     released job keeps its turn); 'o' count a succeeded attempt, 'x' a
--     failed one; 'n' publish the ID on the channel (a running job was
--     cancelled); 'u' the four unique-key values below follow
--   7 score for the new place (unix microseconds: execute-at or finish time)
--   8 job type (names the history list)
--   9 history snapshot (job JSON) to push on the type's history, or ''
--  10 duration of the attempt in nanoseconds, or '' (unknown)
--  11 k, then k pairs of a field of the job hash and its new value ('' clears
--     the field): those of a, x, st, fi, l, r, e, rf, al, h that the change sets
--  with 'u': the job's unique-key holder key; what the change does to it:
--     'free' or 'take' (see unique_apply); the job's holder string
--     "<id> <queue> <until ns or 0>"; PX milliseconds for 'take' ('' : no TTL)
--
-- move returns a list of one code per change: 1 applied, 0 refused (the stored job is not
-- in the expected state, attempt or lease), -1 no such job.
--
-- Out of memory (maxmemory reached, noeviction), Redis refuses a script's
-- deny-oom commands (HSET, ZADD, RPUSH, ...) only until its first write:
-- the first change applied therefore begins with its removal from where
-- it was (ZREM, LREM, DEL: never refused), and the rest follows past
-- maxmemory. Outcomes, cancellations, deletions and recoveries so always
-- succeed on a full Redis, and the trims they trigger free memory.
--
-- Per job it costs one HMGET and one HSET (a cleared field is stored as
-- '', which every reader takes for absent); the zset moves, history pushes
-- and counters of all changes go in one call per key at the end, or
-- before a change to a job that an earlier change of the batch touched.
local function move(at)
  local base, now_us, now_ns = ARGV[1], ARGV[3], ARGV[4]
  local dead_max, dead_min, done_max, done_min = tonumber(ARGV[at]), ARGV[at + 1], tonumber(ARGV[at + 2]), ARGV[at + 3]
  local hist_max, channel, n = tonumber(ARGV[at + 4]), ARGV[at + 5], tonumber(ARGV[at + 6])
  local ZSET = { scheduled = K_SCHEDULED, retrying = K_RETRYING, running = K_LEASE, failed = K_DEAD, completed = K_DONE, cancelled = K_CANCELLED }
  local res, trim, woken, forgotten = {}, {}, false, {}
  -- wrote: a change was applied, so the script has written (see "Out of
  -- memory" above).
  local wrote = false

  -- Deferred work: zrem[zi] and zadd[zi] (score, id pairs) per zset,
  -- hist[type] snapshots in push order, counters, and the IDs they concern.
  local zrem, zadd, hist, hist_types, seen = {}, {}, {}, {}, {}
  local stats = { processed = 0, succeeded = 0, failed = 0, timed = 0, dur_ns = 0 }
  -- list returns t[k], a new list when there was none.
  local function list(t, k)
    local l = t[k]
    if not l then
      l = {}
      t[k] = l
    end
    return l
  end
  local function flush()
    for zi, ids in pairs(zrem) do chunked({ 'ZREM', KEYS[zi] }, ids) end
    for zi, pairs_ in pairs(zadd) do chunked({ 'ZADD', KEYS[zi] }, pairs_) end
    zrem, zadd, seen = {}, {}, {}
  end

  -- parsed[flags] is a set of the letters of flags, made once per string.
  local parsed = {}
  local jobs = base .. 'j:'
  local next_o = at + 7
  for _ = 1, n do
    local o = next_o
    local id, want, want_a, want_l, state = ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4]
    local flags, k = parsed[ARGV[o + 5]], tonumber(ARGV[o + 10])
    if not flags then
      flags = {}
      for c in string.gmatch(ARGV[o + 5], '.') do flags[c] = true end
      parsed[ARGV[o + 5]] = flags
    end
    local u = flags.u and o + 11 + 2 * k -- the unique-key values
    next_o = o + 11 + 2 * k + (u and 4 or 0)
    if seen[id] then flush() end
    seen[id] = true
    local key = jobs .. id
    local f = hmget(key, 's', 'a', 'l', 'p')
    local code = 1
    if want ~= '*' then
      if not f or not f[1] then
        code = -1
      elseif f[1] ~= want or (want_a ~= '' and (f[2] or '0') ~= want_a) or (want_l ~= '' and f[3] ~= want_l) then
        code = 0
      end
    elseif redis.call('EXISTS', key) == 0 then
      code = -1
    end
    res[#res + 1] = code
    if code == 1 then
      local prio = (f and PRIO[f[4] or ''] and f[4]) or '2'
      if want == '*' then
        flush()
        for p = 1, 4 do redis.call('LREM', KEYS[p], 0, id) end
        for _, zi in ipairs({ K_SCHEDULED, K_RETRYING, K_LEASE, K_DEAD, K_DONE, K_CANCELLED }) do redis.call('ZREM', KEYS[zi], id) end
      elseif want == 'pending' then
        redis.call('LREM', KEYS[tonumber(prio)], 1, id)
      elseif not wrote then
        -- The script's first write: a removal, never refused out of memory.
        redis.call('ZREM', KEYS[ZSET[want]], id)
      else
        local l = list(zrem, ZSET[want])
        l[#l + 1] = id
      end
      wrote = true
      if state == 'deleted' then
        redis.call('DEL', key)
      elseif done_max == 0 and (state == 'completed' or state == 'cancelled') then
        -- No finished job is kept: it goes now, as a trim would drop it.
        redis.call('DEL', key)
        forgotten[#forgotten + 1] = id
      else
        redis.call('HSET', key, 's', state, unpack(ARGV, o + 11, o + 10 + 2 * k))
        if state == 'pending' then
          if flags.f then
            redis.call('LPUSH', KEYS[tonumber(prio)], id)
          else
            redis.call('RPUSH', KEYS[tonumber(prio)], id)
          end
          woken = true
        else
          local l = list(zadd, ZSET[state])
          l[#l + 1] = ARGV[o + 6]
          l[#l + 1] = id
          if state == 'failed' or state == 'completed' or state == 'cancelled' then trim[ZSET[state]] = true end
        end
      end
      if state ~= 'deleted' then
        if ARGV[o + 8] ~= '' then
          local t = ARGV[o + 7]
          if not hist[t] then hist_types[#hist_types + 1] = t end
          local l = list(hist, t)
          l[#l + 1] = ARGV[o + 8]
        end
        local ok, failed = flags.o, flags.x
        if ok or failed then
          stats.processed = stats.processed + 1
          if ok then stats.succeeded = stats.succeeded + 1 else stats.failed = stats.failed + 1 end
          if ARGV[o + 9] ~= '' then
            stats.timed = stats.timed + 1
            stats.dur_ns = stats.dur_ns + tonumber(ARGV[o + 9])
            if stats.dur_ns > 1e15 then -- stay far below 2^53, where sums round
              redis.call('HINCRBY', KEYS[K_STATS], 'dur_ns', string.format('%.0f', stats.dur_ns))
              stats.dur_ns = 0
            end
          end
        end
      end
      if u and ARGV[u] ~= '' and ARGV[u + 1] ~= '' then
        unique_apply(ARGV[u], ARGV[u + 1], ARGV[u + 2], ARGV[u + 3], now_ns, prefix_of())
      end
      if flags.n then redis.call('PUBLISH', channel, id) end
    end
  end
  flush()
  for _, t in ipairs(hist_types) do
    local h = base .. 'h:' .. t
    local snaps, newest = hist[t], {}
    -- Only the newest hist_max snapshots can stay in the list.
    for j = math.max(1, #snaps - hist_max + 1), #snaps do newest[#newest + 1] = snaps[j] end
    chunked({ 'LPUSH', h }, newest)
    redis.call('LTRIM', h, 0, hist_max - 1)
  end
  for _, name in ipairs({ 'processed', 'succeeded', 'failed', 'timed' }) do
    if stats[name] > 0 then redis.call('HINCRBY', KEYS[K_STATS], name, stats[name]) end
  end
  per_minute(now_us, stats.processed, stats.failed)
  if stats.dur_ns > 0 then redis.call('HINCRBY', KEYS[K_STATS], 'dur_ns', string.format('%.0f', stats.dur_ns)) end
  if #forgotten > 0 then forget(forgotten) end
  if trim[K_DEAD] then trim_zset(base, K_DEAD, dead_max, dead_min) end
  if trim[K_DONE] then trim_zset(base, K_DONE, done_max, done_min) end
  if trim[K_CANCELLED] then trim_zset(base, K_CANCELLED, done_max, done_min) end
  if woken then wake() end
  return res
end

-- check_move checks (see check_key) the keys outside the queue's KEYS
-- that move(at) may write: the history lists and unique-key holders that
-- its changes name.
local function check_move(at)
  local o, seen = at + 7, {}
  local function check(key, want)
    if not seen[key] then
      seen[key] = true
      check_key(key, want)
    end
  end
  for _ = 1, tonumber(ARGV[at + 6]) do
    local k = tonumber(ARGV[o + 10])
    local u = string.find(ARGV[o + 5], 'u', 1, true) and o + 11 + 2 * k
    if ARGV[o + 8] ~= '' then check(ARGV[1] .. 'h:' .. ARGV[o + 7], 'list') end
    if u and ARGV[u] ~= '' then check(ARGV[u], 'string') end
    o = o + 11 + 2 * k + (u and 4 or 0)
  end
end
