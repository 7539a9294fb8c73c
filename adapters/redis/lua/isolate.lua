-- isolate.lua: mark a running job as running alone in its process
-- (runtime.Job.Isolate), so that an expiry of its lease counts the attempt.
--
-- KEYS: the queue's keys (see lib.lua).
-- ARGV (isolateLayout in args.go): the queue header (see lib.lua), then
-- A_ID       job ID
-- A_ATTEMPT  attempt the caller runs
--
-- Stores field al = the attempt, only while the job is still running that
-- attempt under a lease. Returns 1 when marked, 0 when the lease was lost.
--
-- Its first write is an HDEL of the field, which Redis allows out of
-- memory (see lib.lua), so the deny-oom HSET after it runs too and a
-- suspect job can run alone on a full Redis.
local id, attempt = ARGV[A_ID], ARGV[A_ATTEMPT]
local key = ARGV[A_BASE] .. 'j:' .. id
local f = hmget(key, 's', 'a')
if f and f[1] == 'running' and f[2] == attempt and redis.call('ZSCORE', KEYS[K_LEASE], id) then
  redis.call('HDEL', key, 'al')
  redis.call('HSET', key, 'al', attempt)
  return 1
end
return 0
