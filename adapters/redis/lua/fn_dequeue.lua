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
-- pops IDs from the pending lists, critical first, FIFO within one, and
-- starts each job: state running, attempt + 1, started-at now, lease
-- deadline set, finished-at cleared (''), ID in the lease zset (one ZADD
-- for all). An ID whose job is corrupt is quarantined into the dead-letter
-- queue; an ID whose job is in another state (a stale entry) is dropped.
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
-- promotion's ZREM or its LPOP, never refused, and the outcomes of the
-- jobs it hands out can be stored (fn_move.lua), so workers drain a full
-- Redis.

-- WAITS[i] is the upper bound of wait bucket i - 1, in microseconds (the
-- last bucket, 48, has none); runtime.WaitBucket has the same table.
local WAITS = {
  1000, 1414, 2000, 2828, 4000, 5657, 8000, 11314, 16000, 22627, 32000, 45255,
  64000, 90510, 128000, 181019, 256000, 362039, 512000, 724077, 1024000, 1448155,
  2048000, 2896309, 4096000, 5792619, 8192000, 11585238, 16384000, 23170475,
  32768000, 46340950, 65536000, 92681900, 131072000, 185363800, 262144000,
  370727600, 524288000, 741455200, 1048576000, 1482910400, 2097152000,
  2965820801, 4194304000, 5931641602, 8388608000,
}

-- id_micros returns the time stamped on a generated job ID (a version-7
-- UUID: unix milliseconds in its first 12 hex digits, then the version
-- digit and a 12-bit fraction of a millisecond) in unix microseconds, as
-- jobs.GeneratedIDTime reads it, or nil for an ID of another form. A job
-- stored without x (see lib.lua) has such an ID, stamped when the job was
-- created and due.
local function id_micros(id)
  local ms = #id == 36 and tonumber(string.sub(id, 1, 8) .. string.sub(id, 10, 13), 16)
  local frac = ms and tonumber(string.sub(id, 16, 18), 16)
  if not frac then return nil end
  return ms * 1000 + math.floor(frac * 1000 / 4096)
end

-- wait_bucket returns the wait bucket (1-48) of a job started at start_us
-- (unix microseconds, a number) that became due at x_us (unix
-- microseconds, a number), or nil when x_us is nil.
local function wait_bucket(start_us, x_us)
  if not x_us then return nil end
  local w = start_us - x_us
  for i = 1, #WAITS do
    if w <= WAITS[i] then return i end
  end
  return #WAITS + 1
end

-- count_waits adds waits (bucket -> count) to the queue's wait histogram of
-- the minute of start_us (see lib.lua, <base>wt).
local function count_waits(start_us, waits)
  local key = ARGV[A_BASE] .. 'wt'
  local m = math.floor(start_us / 60000000)
  local bit = (m % 64) * 1568
  local tag = redis.pcall('BITFIELD', key, 'GET', 'u32', bit)
  if type(tag) ~= 'table' or tag.err then return end
  if tag[1] ~= m and type(redis.pcall('SETRANGE', key, bit / 8, string.rep('\0', 196))) ~= 'number' then return end
  local ops = { 'BITFIELD', key, 'OVERFLOW', 'SAT', 'SET', 'u32', bit, m }
  for i, n in pairs(waits) do
    ops[#ops + 1], ops[#ops + 2], ops[#ops + 3], ops[#ops + 4] = 'INCRBY', 'u32', bit + 32 * i, n
  end
  redis.pcall(unpack(ops))
  redis.pcall('EXPIRE', key, 90000)
end

-- first_due returns the score of the earliest member of KEYS[zi] (unix
-- microseconds, a string), or nil when it is empty.
local function first_due(zi)
  return redis.call('ZRANGE', KEYS[zi], 0, 0, 'WITHSCORES')[2]
end

-- earliest returns the smaller of two optional scores.
local function earliest(a, b)
  if not a or (b and tonumber(b) < tonumber(a)) then return b end
  return a
end

local function dequeue()
  local base, now_us, now_ns = ARGV[A_BASE], ARGV[A_NOW_US], ARGV[A_NOW_NS]
  local left = tonumber(ARGV[A_TAKE_MAX])
  local times -- lease_times, read when the first job is leased
  local next = earliest(first_due(K_SCHEDULED), first_due(K_RETRYING))
  if next and tonumber(next) <= tonumber(now_us) then
    promote(base, now_us, now_ns, 1000)
    next = earliest(first_due(K_SCHEDULED), first_due(K_RETRYING))
  end
  local out, leased, no, nl = { next or '', '', '' }, {}, 3, 0
  local waits, waited = {}, false -- wait bucket -> jobs started
  local jobs = base .. 'j:'
  if redis.call('EXISTS', KEYS[K_PAUSED]) == 1 then left = 0 end
  local last = 4 -- the list the last job came from
  for p = 4, 1, -1 do
    while left > 0 do
      local ids = redis.call('LPOP', KEYS[p], left)
      if not ids then break end
      last = p
      for _, id in ipairs(ids) do
        local key = jobs .. id
        local f = hmget(key, 's', 'a', 'd', 'p', 'x', 'r', 'e', 'rf', 'h')
        if f and f[1] == 'pending' and attempt_ok(f[2]) and f[3] and PRIO[f[4] or ''] then
          if not times then
            times = lease_times(now_us, now_ns, ARGV[A_UNTIL_US], ARGV[A_UNTIL_NS], ARGV[A_SERVER_CLOCK])
            out[2], out[3] = times[2], times[4]
          end
          local due_us = tonumber(f[5] or '')
          local wb = wait_bucket(tonumber(times[1]), due_us and due_us / 1000 or id_micros(id))
          if wb then waits[wb], waited = (waits[wb] or 0) + 1, true end
          local a = tostring((tonumber(f[2] or '') or 0) + 1)
          redis.call('HSET', key, 's', 'running', 'a', a, 'st', times[2], 'l', times[4], 'fi', '')
          leased[nl + 1], leased[nl + 2], nl = times[3], id, nl + 2
          out[no + 1], out[no + 2], out[no + 3], out[no + 4] = id, a, f[3], f[4]
          out[no + 5], out[no + 6], out[no + 7], out[no + 8] = f[5] or '', f[6] or '', f[7] or '', f[8] or ''
          out[no + 9] = f[9] or ''
          no = no + 9
          left = left - 1
        elseif not (f and STATES[f[1] or ''] and f[1] ~= 'pending') then
          quarantine(base, id, now_us, now_ns, '', nil, nil)
        end
      end
    end
    if left == 0 then break end
  end
  chunked({ 'ZADD', KEYS[K_LEASE] }, leased)
  if waited then count_waits(tonumber(times[1]), waits) end
  -- Lists above the last one are empty (LPOP came back short); look at it
  -- first, as it is the one most likely to hold more.
  if left == 0 and no > 3 then
    for p = last, 1, -1 do
      if redis.call('LLEN', KEYS[p]) > 0 then
        wake()
        break
      end
    end
  end
  return out
end
