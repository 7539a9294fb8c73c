-- report.lua: replace a process's worker report.
--
-- KEYS[1]  the worker reports <prefix>:workers, hash process ID -> report JSON
-- ARGV (reportLayout in args.go):
-- A_PROCESS  process ID
-- A_REPORT   the report JSON
--
-- The old report is deleted first: a script's first write that frees
-- memory lets Redis run the deny-oom HSET after it even out of memory
-- (maxmemory, noeviction), so workers stay visible on a full Redis.
-- Returns 1.
redis.call('HDEL', KEYS[1], ARGV[A_PROCESS])
redis.call('HSET', KEYS[1], ARGV[A_PROCESS], ARGV[A_REPORT])
return 1
