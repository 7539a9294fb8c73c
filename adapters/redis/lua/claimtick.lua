-- claimtick.lua: claim one tick of a periodic schedule (compare and set).
--
-- KEYS[1]  <prefix>:{periodic}:ticks      hash schedule name -> last claimed tick (sortable string)
-- KEYS[2]  <prefix>:{periodic}:schedules  hash schedule name -> ScheduleInfo JSON of that claim
-- ARGV (tickLayout in args.go):
-- A_SCHEDULE  schedule name
-- A_TICK      the tick, encoded so that later ticks compare greater as strings
-- A_INFO      the ScheduleInfo JSON to store
--
-- Stores the claim and returns 1 unless the stored tick is the same or a
-- later one; then it stores nothing and returns 0. Out of memory (see
-- lib.lua) its first write, an HSET, is refused: no tick is claimed whose
-- job could not be enqueued.
local name, tick = ARGV[A_SCHEDULE], ARGV[A_TICK]
local last = redis.call('HGET', KEYS[1], name)
if last and tick <= last then return 0 end
redis.call('HSET', KEYS[1], name, tick)
redis.call('HSET', KEYS[2], name, ARGV[A_INFO])
return 1
