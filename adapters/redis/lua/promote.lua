-- promote.lua: housekeeping of one queue, run by any number of schedulers.
--
-- KEYS: the queue's keys (see lib.lua); KEYS[K_INDEX] (standalone only) the ID index.
-- ARGV[5]  the most jobs to promote from each of the schedule and retry zsets
-- ARGV[6]  dead-letter cap (count)
-- ARGV[7]  dead-letter age cap: drop dead letters scored below this (unix microseconds)
-- ARGV[8]  completed cap and cancelled cap (count, each)
-- ARGV[9]  completed/cancelled age cap: drop those scored below this (unix microseconds)
--
-- Moves due scheduled and retrying jobs (execute-at <= now, compared to the
-- nanosecond) to the back of their pending lists, earliest first, arms the
-- wake-up marker, and trims the dead-letter, completed and cancelled sets
-- by count and age (at most 1,000 jobs of each per call). Returns how many
-- jobs it promoted. The script is atomic, so concurrent callers never move
-- a job twice. Its first write is a ZREM or a trim's DEL, so it runs out
-- of memory too (see lib.lua), and the trims free memory.
check_keys(K_P1, K_P2, K_P3, K_P4, K_SCHEDULED, K_RETRYING, K_WAKE, K_DEAD, K_DONE, K_STATS, K_GONE, K_CANCELLED, K_INDEX)
local moved = promote(ARGV[1], ARGV[3], ARGV[4], tonumber(ARGV[5]))
trim_zset(ARGV[1], K_DEAD, tonumber(ARGV[6]), ARGV[7])
trim_zset(ARGV[1], K_DONE, tonumber(ARGV[8]), ARGV[9])
trim_zset(ARGV[1], K_CANCELLED, tonumber(ARGV[8]), ARGV[9])
return moved
