-- bury.lua: move leased jobs whose data the caller could not decode to the
-- dead-letter queue with a corrupt_job error.
--
-- KEYS: the queue's keys (see lib.lua).
-- ARGV[5]  number of jobs n, then n groups of 5:
--          id, attempt the caller leased ('' : not checked), job type if
--          known (else ''), what is wrong (the error message's reason),
--          the fields the caller could not read, comma-separated
--
-- A job is buried only while its ID is still in the lease zset and, when
-- it is still a readable hash, it runs the given attempt. The original
-- fields it could not read are kept in field raw (see quarantine).
-- Returns how many it buried. Its first write is a ZREM, so it runs out
-- of memory too (see lib.lua).
check_keys(K_LEASE, K_DEAD, K_STATS)
local base, now_us, now_ns, n = ARGV[1], ARGV[3], ARGV[4], tonumber(ARGV[5])
local buried = 0
for i = 0, n - 1 do
  local o = 6 + i * 5
  local id, attempt = ARGV[o], ARGV[o + 1]
  local f = hmget(base .. 'j:' .. id, 's', 'a')
  local other = f and f[1] and (f[1] ~= 'running' or (attempt ~= '' and f[2] ~= attempt))
  if redis.call('ZSCORE', KEYS[K_LEASE], id) and not other then
    redis.call('ZREM', KEYS[K_LEASE], id)
    quarantine(base, id, now_us, now_ns, ARGV[o + 2], ARGV[o + 3], ARGV[o + 4])
    buried = buried + 1
  end
end
return buried
