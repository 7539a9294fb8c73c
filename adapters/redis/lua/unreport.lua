-- unreport.lua: forget an expired worker report, unless it was renewed.
--
-- KEYS[1]  the worker reports <prefix>:workers, hash process ID -> report JSON
-- ARGV[1]  process ID
-- ARGV[2]  the report as read (deleted only while it is unchanged)
--
-- Returns 1 when the report was deleted, else 0.
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
