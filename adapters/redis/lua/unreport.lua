-- unreport.lua: forget an expired worker report, unless it was renewed.
--
-- KEYS[1]  the worker reports <prefix>:workers, hash process ID -> report JSON
-- ARGV (reportLayout in args.go):
-- A_PROCESS  process ID
-- A_REPORT   the report as read (deleted only while it is unchanged)
--
-- Returns 1 when the report was deleted, else 0.
if redis.call('HGET', KEYS[1], ARGV[A_PROCESS]) == ARGV[A_REPORT] then
  return redis.call('HDEL', KEYS[1], ARGV[A_PROCESS])
end
return 0
