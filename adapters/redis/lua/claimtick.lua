-- claimtick.lua: claim one tick of a periodic schedule (compare and set).
--
-- KEYS[1]  <prefix>:{periodic}:ticks      hash schedule name -> last claimed tick (sortable string)
-- KEYS[2]  <prefix>:{periodic}:schedules  hash schedule name -> ScheduleInfo JSON of that claim
-- ARGV[1]  schedule name
-- ARGV[2]  the tick, encoded so that later ticks compare greater as strings
-- ARGV[3]  the ScheduleInfo JSON to store
--
-- Stores the claim and returns 1 unless the stored tick is the same or a
-- later one; then it stores nothing and returns 0. Out of memory (see
-- lib.lua) its first write, an HSET, is refused: no tick is claimed whose
-- job could not be enqueued.
local last = redis.call('HGET', KEYS[1], ARGV[1])
if last and ARGV[2] <= last then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
