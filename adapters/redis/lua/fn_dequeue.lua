-- fn_dequeue.lua: dequeue() leases up to max pending jobs of one queue.
-- dequeue.lua and cycle.lua call it.
--
-- KEYS: the queue's keys (see lib.lua).
-- ARGV: the queue header (see lib.lua), then (takeLayout in args_path.go;
-- the constants give their places in each script that calls dequeue):
-- A_TAKE_MAX      max, the most jobs to lease
-- A_UNTIL_US      lease deadline (unix microseconds), by the caller's clock
-- A_UNTIL_NS      lease deadline (unix nanoseconds), by the caller's clock
-- A_SERVER_CLOCK  '1' when the caller's clock is the server's: the lease then
--                 runs from the server's TIME when that is later than now (see
--                 lease_times in lib.lua); '0' for a clock set with WithClock
--
-- First promotes due scheduled and retrying jobs (as promote.lua does),
-- when the earliest of either is due.
-- While the queue is paused (KEYS[K_PAUSED] exists) it takes nothing. Else it
-- reads IDs off the heads of the pending lists, critical first, FIFO
-- within one, with their jobs, then drops them from the lists (LTRIM) and
-- starts each job: state running, attempt + 1, started-at now, lease
-- deadline set, finished-at cleared (''), ID in the lease zset (one ZADD
-- for all). An ID whose job is corrupt is quarantined into the dead-letter
-- queue; an ID whose job is in another state (a stale entry), or that came
-- up before in the same call, is dropped. Reading first lets it check only
-- the keys it will write (a TYPE costs as much as a read): a wrong-type
-- key fails it before any change, as check_keys would.
--
-- dequeue returns { next, st, l, id1, a1, d1, p1, x1, r1, e1, rf1, h1, id2, ... }:
-- next is the earliest execute-at (unix microseconds) of a scheduled or
-- retrying job, or '' when there is none, so the caller can bound how long
-- it blocks; st and l are the started-at and lease deadline (unix
-- nanoseconds) stored in the jobs leased ('' when none was).
-- When pending jobs remain, the wake-up marker is armed again so that
-- another blocked worker takes them.
--
-- Out of memory (see lib.lua) it still leases: its first write is a
-- promotion's ZREM or its LTRIM, never refused, and the outcomes of the
-- jobs it hands out can be stored (fn_move.lua), so workers drain a full
-- Redis.

-- WAITS[i] is the upper bound of wait bucket i - 1, in microseconds (the
-- last bucket, 48, has none): jobs.WaitBucketBound's table, which
-- scripts.go (waitBounds) writes in place of the name below, so that
-- the bounds are written once, in Go.
local WAITS = GENERATED_WAIT_BOUNDS

-- due_us returns when a job became due, in whole unix microseconds (a
-- number): its x (unix nanoseconds) or, for a job stored without x (see
-- lib.lua), the stamp of its generated ID (a version-7 UUID: unix
-- milliseconds in its first 12 hex digits, then the version digit and a
-- 12-bit fraction of a millisecond), read as jobs.GeneratedIDTime does:
-- ms * 1000 + floor(frac * 1000 / 4096). nil when neither reads. Whole
-- microseconds keep the buckets exact: a lease starts on a whole
-- microsecond, so a wait of x is at most a bound B exactly when the
-- start less floor(x / 1000) is.
local function due_us(x, id)
  if #x == 19 then return tonumber(string.sub(x, 1, 16)) end
  if x ~= '' then
    local ns = tonumber(x)
    return ns and (ns - ns % 1000) / 1000
  end
  if #id ~= 36 then return nil end
  local hi, lo = tonumber(string.sub(id, 1, 8), 16), tonumber(string.sub(id, 10, 13), 16)
  local frac = tonumber(string.sub(id, 16, 18), 16)
  if not (hi and lo and frac) then return nil end
  local f = frac * 1000 / 4096
  return (hi * 65536 + lo) * 1000 + f - f % 1 -- no math.floor: a call costs more
end

-- wait_bucket returns the wait bucket (1-48) of a job started at start_us
-- (unix microseconds, a number) that became due at x_us (unix
-- microseconds, a number), or nil when x_us is nil. It tries the bucket
-- hint first (the previous job's: jobs leased together mostly waited
-- alike), then searches WAITS by halves.
local function wait_bucket(start_us, x_us, hint)
  if not x_us then return nil end
  local w = start_us - x_us
  local top = WAITS[hint]
  if (not top or w <= top) and (hint == 1 or w > WAITS[hint - 1]) then return hint end
  local lo, hi = 1, #WAITS + 1 -- the first i with w <= WAITS[i], or #WAITS + 1
  while lo < hi do
    local mid = (lo + hi - (lo + hi) % 2) / 2 -- no math.floor: a call costs more than the search
    if w <= WAITS[mid] then hi = mid else lo = mid + 1 end
  end
  return lo
end

-- count_waits adds waits (bucket -> count) to the queue's wait histogram of
-- the minute of start_us (see lib.lua, <base>wt). As per_minute does, one
-- BITFIELD call stamps the slot and counts; when the slot held another
-- minute, it is zeroed, the counts set, and the key's expiry renewed.
local function count_waits(start_us, waits)
  local key = ARGV[A_BASE] .. 'wt'
  local m = math.floor(start_us / 60000000)
  local bit = (m % 64) * 1568
  -- numbers go as strings, formatted as integers: Redis would format each
  -- as a float
  local ops = { 'BITFIELD', key, 'SET', 'u32', string.format('%d', bit), string.format('%d', m), 'OVERFLOW', 'SAT' }
  for i, n in pairs(waits) do
    ops[#ops + 1], ops[#ops + 2] = 'INCRBY', 'u32'
    ops[#ops + 1], ops[#ops + 2] = string.format('%d', bit + 32 * i), string.format('%d', n)
  end
  local old = redis.pcall(unpack(ops))
  if type(old) ~= 'table' or old.err or old[1] == m then return end
  redis.pcall('SETRANGE', key, bit / 8 + 4, string.rep('\0', 192))
  ops = { 'BITFIELD', key }
  for i, n in pairs(waits) do
    ops[#ops + 1], ops[#ops + 2], ops[#ops + 3], ops[#ops + 4] = 'SET', 'u32', bit + 32 * i, n
  end
  redis.pcall(unpack(ops))
  redis.pcall('EXPIRE', key, 90000)
end

-- read runs cmd (a command that only reads) on KEYS[i] with args, all
-- strings: a number costs the server a conversion. A key of another type
-- fails the script as check_key does, naming it; dequeue reads before it
-- writes, so nothing has changed then.
local function read(cmd, i, ...)
  local r = redis.pcall(cmd, KEYS[i], ...)
  if type(r) == 'table' and r.err then
    check_key(KEYS[i], KINDS[i])
    error(r)
  end
  return r
end

-- first_due returns the score of the earliest member of KEYS[zi] (unix
-- microseconds, a string), or nil when it is empty.
local function first_due(zi)
  return read('ZRANGE', zi, '0', '0', 'WITHSCORES')[2]
end

-- earliest returns the smaller of two optional scores.
local function earliest(a, b)
  if not a or (b and tonumber(b) < tonumber(a)) then return b end
  return a
end

-- pick reads (HMGET) the job of a pending list's head ID at key and
-- returns its fields { s, a, d, p, x, r, e, rf, h }, or nil when the key
-- is not a hash. A job that never ran has no attempt (a) and none of the
-- fields an attempt leaves (r, e, rf, h): those are read only when a is
-- there, as a field that is not there costs a scan of the hash.
local function pick(key)
  local f = hmget(key, 's', 'a', 'd', 'p', 'x')
  if f and f[2] then
    local g = redis.call('HMGET', key, 'r', 'e', 'rf', 'h')
    f[6], f[7], f[8], f[9] = g[1], g[2], g[3], g[4]
  end
  return f
end

-- leasable reports whether a job whose fields pick read can be leased:
-- pending and readable.
local function leasable(f)
  return f and f[1] == 'pending' and attempt_ok(f[2]) and f[3] and PRIO[f[4] or ''] or false
end

-- corrupt reports whether a job whose fields pick read (false: an ID met
-- before in the same call) is to be quarantined: not a hash, or pending
-- but unreadable, or in no known state. A job in another known state is
-- a stale entry, dropped.
local function corrupt(f)
  return f ~= false and not (f and STATES[f[1] or ''] and f[1] ~= 'pending' or leasable(f))
end

-- collect reads the heads of the pending lists, critical first, until it
-- has max jobs that can be leased, and returns the IDs met in order,
-- their fields (see pick; false for an ID met before, which is dropped),
-- how many IDs to drop from the head of each list, and whether any list
-- still holds IDs after them. It writes nothing.
local function collect(jobs, max)
  local ids, fields, trim, seen = {}, {}, {}, nil
  local left, n, more, last = max, 0, false, 4
  for p = 4, 1, -1 do
    local off = 0
    while left > 0 do
      -- one ID past those needed tells whether the list holds more
      local from, to = '0', ARGV[A_TAKE_MAX]
      if off > 0 or left < max then from, to = string.format('%d', off), string.format('%d', off + left) end
      local asked, got, i = left + 1, read('LRANGE', p, from, to), 0
      while i < #got and left > 0 do
        i = i + 1
        local id = got[i]
        n, ids[n + 1] = n + 1, id
        if n > 1 and not seen then seen = { [ids[1]] = true } end
        if seen and seen[id] then
          fields[n] = false
        else
          if seen then seen[id] = true end
          local f = pick(jobs .. id)
          fields[n] = f
          if leasable(f) then left = left - 1 end
        end
      end
      off = off + i
      if i < #got then more = true end
      if i < #got or #got < asked then break end
    end
    if off > 0 then trim[p], last = off, p end
    if left == 0 then break end
  end
  if left == 0 and not more then
    for p = last, 1, -1 do
      if read('LLEN', p) > (trim[p] or 0) then
        more = true
        break
      end
    end
  end
  return ids, fields, trim, more
end

-- dequeue leases up to ARGV[A_TAKE_MAX] jobs (see the head of this file).
-- It reads everything first (the scheduled and retrying heads, the pending
-- lists' heads, their jobs), then checks the keys it is about to write
-- (check_key) unless checked says its caller has, then writes: a key of
-- the wrong type fails it before any change. Its first write is an LTRIM,
-- which a full Redis allows (see lib.lua).
local function dequeue(checked)
  local base, now_us, now_ns = ARGV[A_BASE], ARGV[A_NOW_US], ARGV[A_NOW_NS]
  local next = earliest(first_due(K_SCHEDULED), first_due(K_RETRYING))
  if next and tonumber(next) <= tonumber(now_us) then
    if not checked then
      check_keys(K_P1, K_P2, K_P3, K_P4, K_SCHEDULED, K_RETRYING, K_LEASE, K_WAKE, K_DEAD, K_STATS)
      checked = true
    end
    promote(base, now_us, now_ns, 1000)
    next = earliest(first_due(K_SCHEDULED), first_due(K_RETRYING))
  end
  local out = { next or '', '', '' }
  local max = tonumber(ARGV[A_TAKE_MAX])
  if max < 1 or redis.call('EXISTS', KEYS[K_PAUSED]) == 1 then return out end
  local ids, fields, trim, more = collect(base .. 'j:', max)
  if #ids == 0 then return out end
  if not checked then
    local leasing, burying = false, false
    for i = 1, #ids do
      leasing = leasing or leasable(fields[i])
      burying = burying or corrupt(fields[i])
    end
    if leasing then check_key(KEYS[K_LEASE], 'zset') end
    if more then check_key(KEYS[K_WAKE], 'zset') end
    if burying then check_keys(K_DEAD, K_STATS) end
  end
  for p, k in pairs(trim) do redis.call('LTRIM', KEYS[p], string.format('%d', k), '-1') end
  local times -- lease_times, read when the first job is leased
  local leased, no, nl = {}, 3, 0
  local waits, waited, wb = {}, false, 1 -- wait bucket -> jobs started; the last bucket
  local start_us -- times[1] as a number
  for i = 1, #ids do
    local id, f = ids[i], fields[i]
    if leasable(f) then
      if not times then
        times = lease_times(now_us, now_ns, ARGV[A_UNTIL_US], ARGV[A_UNTIL_NS], ARGV[A_SERVER_CLOCK])
        out[2], out[3] = times[2], times[4]
        start_us = tonumber(times[1])
      end
      local b = wait_bucket(start_us, due_us(f[5] or '', id), wb)
      if b then wb, waits[b], waited = b, (waits[b] or 0) + 1, true end
      local a = string.format('%d', (tonumber(f[2] or '') or 0) + 1)
      redis.call('HSET', base .. 'j:' .. id, 's', 'running', 'a', a, 'st', times[2], 'l', times[4], 'fi', '')
      leased[nl + 1], leased[nl + 2], nl = times[3], id, nl + 2
      out[no + 1], out[no + 2], out[no + 3], out[no + 4] = id, a, f[3], f[4]
      out[no + 5], out[no + 6], out[no + 7], out[no + 8] = f[5] or '', f[6] or '', f[7] or '', f[8] or ''
      out[no + 9] = f[9] or ''
      no = no + 9
    elseif corrupt(f) then
      quarantine(base, id, now_us, now_ns, '', nil, nil)
    end
  end
  if nl == 2 then
    redis.call('ZADD', KEYS[K_LEASE], leased[1], leased[2])
  else
    chunked({ 'ZADD', KEYS[K_LEASE] }, leased)
  end
  if waited then count_waits(start_us, waits) end
  if more then wake() end
  return out
end
