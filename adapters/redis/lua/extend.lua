-- extend.lua: move the lease deadline of running jobs.
--
-- KEYS: the queue's keys (see lib.lua).
-- ARGV (extendLayout in args.go): the queue header (see lib.lua), then
-- A_UNTIL_US      new lease deadline (unix microseconds), by the caller's clock
-- A_UNTIL_NS      new lease deadline (unix nanoseconds), by the caller's clock
-- A_SERVER_CLOCK  '1' when the caller's clock is the server's: the deadline
--                 then moves on by as much as the server's TIME is later than
--                 now, so that an extension delayed on its way never sets a
--                 deadline already past or nearly so (see lease_times in
--                 lib.lua); '0' for a clock set with WithClock
-- A_N_JOBS        number of jobs n
-- from A_JOBS, n groups of J_SIZE: J_ID id, J_ATTEMPT attempt
--
-- A job keeps its lease only while it is still running that attempt.
-- Returns the IDs of the jobs whose lease was lost.
--
-- Each lease is taken out of the lease zset (ZREM, which also tells
-- whether it was there) before it is put back with its new deadline: the
-- script's first write is a removal, which Redis allows out of memory
-- (maxmemory, noeviction), so the deny-oom ZADD and HSET after it run too
-- and leases are kept on a full Redis.
check_keys(K_LEASE)
local base, n = ARGV[A_BASE], tonumber(ARGV[A_N_JOBS])
local times = lease_times(ARGV[A_NOW_US], ARGV[A_NOW_NS], ARGV[A_UNTIL_US], ARGV[A_UNTIL_NS], ARGV[A_SERVER_CLOCK])
local until_us, until_ns = times[3], times[4]
local lost = {}
for i = 0, n - 1 do
  local o = A_JOBS + i * J_SIZE
  local id, attempt = ARGV[o + J_ID], ARGV[o + J_ATTEMPT]
  local key = base .. 'j:' .. id
  local f = hmget(key, 's', 'a')
  if f and f[1] == 'running' and f[2] == attempt and redis.call('ZREM', KEYS[K_LEASE], id) == 1 then
    redis.call('ZADD', KEYS[K_LEASE], until_us, id)
    redis.call('HSET', key, 'l', until_ns)
  else
    lost[#lost + 1] = id
  end
end
return lost
