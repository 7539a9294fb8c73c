-- fn_dequeue.lua: dequeue(at) leases up to max pending jobs of one queue.
-- dequeue.lua and cycle.lua call it.
--
-- KEYS: the queue's keys (see lib.lua).
-- Its arguments start at ARGV[at]; the numbers below are for at = 5 (dequeue.lua).
-- ARGV[5]  max, the most jobs to lease
-- ARGV[6]  lease deadline (unix microseconds), by the caller's clock
-- ARGV[7]  lease deadline (unix nanoseconds), by the caller's clock
-- ARGV[8]  '1' when the caller's clock is the server's: the lease then runs
--          from the server's TIME when that is later than now (see
--          lease_times in lib.lua); '0' for a clock set with WithClock
--
-- First promotes due scheduled and retrying jobs (as promote.lua does),
-- when the earliest of either is due.
-- While the queue is paused (KEYS[14] exists) it takes nothing. Else it
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

local function dequeue(at)
  local base, now_us, now_ns = ARGV[1], ARGV[3], ARGV[4]
  local left = tonumber(ARGV[at])
  local times -- lease_times, read when the first job is leased
  local next = earliest(first_due(5), first_due(6))
  if next and tonumber(next) <= tonumber(now_us) then
    promote(base, now_us, now_ns, 1000)
    next = earliest(first_due(5), first_due(6))
  end
  local out, leased, no, nl = { next or '', '', '' }, {}, 3, 0
  local jobs = base .. 'j:'
  if redis.call('EXISTS', KEYS[14]) == 1 then left = 0 end
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
            times = lease_times(now_us, now_ns, ARGV[at + 1], ARGV[at + 2], ARGV[at + 3])
            out[2], out[3] = times[2], times[4]
          end
          local a = tostring(tonumber(f[2]) + 1)
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
  chunked({ 'ZADD', KEYS[7] }, leased)
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
