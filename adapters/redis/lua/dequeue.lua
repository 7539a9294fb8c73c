-- dequeue.lua: lease up to max pending jobs of one queue.
--
-- KEYS: the queue's keys (see lib.lua).
-- ARGV[5]  max, the most jobs to lease
-- ARGV[6]  lease deadline (unix microseconds)
-- ARGV[7]  lease deadline (unix nanoseconds)
--
-- First promotes due scheduled and retrying jobs (as promote.lua does).
-- While the queue is paused (KEYS[14] exists) it takes nothing. Else it
-- pops IDs from the pending lists, critical first, FIFO within one, and
-- starts each job: state running, attempt + 1, started-at now, lease
-- deadline set, finished-at cleared (''), ID in the lease zset (one ZADD
-- for all). An ID whose job
-- is corrupt is quarantined into the dead-letter queue; an ID whose job is
-- in another state (a stale entry) is dropped.
--
-- Returns { next, id1, a1, d1, p1, x1, r1, e1, id2, ... }: next is the
-- earliest execute-at (unix microseconds) of a scheduled or retrying job,
-- or '' when there is none, so the caller can bound how long it blocks.
-- When pending jobs remain, the wake-up marker is armed again so that
-- another blocked worker takes them.
local base, now_us, now_ns = ARGV[1], ARGV[3], ARGV[4]
local left, lease_us, lease_ns = tonumber(ARGV[5]), ARGV[6], ARGV[7]
promote(base, now_us, now_ns, 1000)
local out, leased = { '' }, {}
if redis.call('EXISTS', KEYS[14]) == 1 then left = 0 end
for p = 4, 1, -1 do
  while left > 0 do
    local ids = redis.call('LPOP', KEYS[p], left)
    if not ids then break end
    for _, id in ipairs(ids) do
      local key = base .. 'j:' .. id
      local f = hmget(key, 's', 'a', 'd', 'p', 'x', 'r', 'e')
      if f and f[1] == 'pending' and tonumber(f[2] or '') and f[3] and PRIO[f[4] or ''] then
        local a = tostring(tonumber(f[2]) + 1)
        redis.call('HSET', key, 's', 'running', 'a', a, 'st', now_ns, 'l', lease_ns, 'fi', '')
        leased[#leased + 1] = lease_us
        leased[#leased + 1] = id
        out[#out + 1] = id
        out[#out + 1] = a
        out[#out + 1] = f[3]
        out[#out + 1] = f[4]
        out[#out + 1] = f[5] or ''
        out[#out + 1] = f[6] or ''
        out[#out + 1] = f[7] or ''
        left = left - 1
      elseif not (f and STATES[f[1] or ''] and f[1] ~= 'pending') then
        quarantine(base, id, now_us, now_ns, '', nil)
      end
    end
  end
  if left == 0 then break end
end
chunked({ 'ZADD', KEYS[7] }, leased)
if left == 0 and #out > 1 then
  for p = 1, 4 do
    if redis.call('LLEN', KEYS[p]) > 0 then
      wake()
      break
    end
  end
end
local next
for _, zi in ipairs({ 5, 6 }) do
  local first = redis.call('ZRANGE', KEYS[zi], 0, 0, 'WITHSCORES')
  if first[2] and (not next or tonumber(first[2]) < tonumber(next)) then next = first[2] end
end
out[1] = next or ''
return out
