-- extend.lua: move the lease deadline of running jobs.
--
-- KEYS: the queue's keys (see lib.lua).
-- ARGV[5]  new lease deadline (unix microseconds)
-- ARGV[6]  new lease deadline (unix nanoseconds)
-- ARGV[7]  number of jobs n, then n pairs: id, attempt
--
-- A job keeps its lease only while it is still running that attempt.
-- Returns the IDs of the jobs whose lease was lost.
--
-- Each lease is taken out of the lease zset (ZREM, which also tells
-- whether it was there) before it is put back with its new deadline: the
-- script's first write is a removal, which Redis allows out of memory
-- (maxmemory, noeviction), so the deny-oom ZADD and HSET after it run too
-- and leases are kept on a full Redis.
check_keys(7)
local base, until_us, until_ns, n = ARGV[1], ARGV[5], ARGV[6], tonumber(ARGV[7])
local lost = {}
for i = 0, n - 1 do
  local id, attempt = ARGV[8 + i * 2], ARGV[9 + i * 2]
  local key = base .. 'j:' .. id
  local f = hmget(key, 's', 'a')
  if f and f[1] == 'running' and f[2] == attempt and redis.call('ZREM', KEYS[7], id) == 1 then
    redis.call('ZADD', KEYS[7], until_us, id)
    redis.call('HSET', key, 'l', until_ns)
  else
    lost[#lost + 1] = id
  end
end
return lost
