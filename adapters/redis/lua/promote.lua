-- promote.lua: housekeeping of one queue, run by any number of schedulers.
--
-- KEYS: the queue's keys (see lib.lua); KEYS[13] (standalone only) the ID index.
-- ARGV[5]  the most jobs to promote from each of the schedule and retry zsets
-- ARGV[6]  dead-letter cap (count)
-- ARGV[7]  dead-letter age cap: drop dead letters scored below this (unix microseconds)
--
-- Moves due scheduled and retrying jobs (execute-at <= now, compared to the
-- nanosecond) to the back of their pending lists, earliest first, arms the
-- wake-up marker, and trims the dead-letter queue by count and age.
-- Returns how many jobs it promoted. The script is atomic, so concurrent
-- callers never move a job twice.
local moved = promote(ARGV[1], ARGV[3], ARGV[4], tonumber(ARGV[5]))
trim(ARGV[1], 9, tonumber(ARGV[6]), ARGV[7])
return moved
