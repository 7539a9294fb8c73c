-- bury.lua: move leased jobs whose data the caller could not decode to the
-- dead-letter queue with a corrupt_job error.
--
-- KEYS: the queue's keys (see lib.lua).
-- ARGV (buryLayout in args.go): the queue header (see lib.lua), then
-- A_N_JOBS  number of jobs n
-- from A_JOBS, n groups of J_SIZE: J_ID id, J_ATTEMPT attempt the caller
--           leased ('' : not checked), J_TYPE job type if known (else ''),
--           J_WHY what is wrong (the error message's reason), J_FIELDS the
--           fields the caller could not read, comma-separated
--
-- A job is buried only while its ID is still in the lease zset and, when
-- it is still a readable hash, it runs the given attempt. The original
-- fields it could not read are kept in field raw (see quarantine).
-- Returns how many it buried. Its first write is a ZREM, so it runs out
-- of memory too (see lib.lua).
check_keys(K_LEASE, K_DEAD, K_STATS)
local base, now_us, now_ns, n = ARGV[A_BASE], ARGV[A_NOW_US], ARGV[A_NOW_NS], tonumber(ARGV[A_N_JOBS])
local buried = 0
for i = 0, n - 1 do
  local o = A_JOBS + i * J_SIZE
  local id, attempt = ARGV[o + J_ID], ARGV[o + J_ATTEMPT]
  local f = hmget(base .. 'j:' .. id, 's', 'a')
  local other = f and f[1] and (f[1] ~= 'running' or (attempt ~= '' and f[2] ~= attempt))
  if redis.call('ZSCORE', KEYS[K_LEASE], id) and not other then
    redis.call('ZREM', KEYS[K_LEASE], id)
    quarantine(base, id, now_us, now_ns, ARGV[o + J_TYPE], ARGV[o + J_WHY], ARGV[o + J_FIELDS])
    buried = buried + 1
  end
end
return buried
