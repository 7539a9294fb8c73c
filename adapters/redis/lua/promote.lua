-- promote.lua: housekeeping of one queue, run by any number of schedulers.
--
-- KEYS: the queue's keys (see lib.lua); KEYS[K_INDEX] (standalone only) the ID index.
-- ARGV (promoteLayout in args.go): the queue header (see lib.lua), then
-- A_LIMIT     the most jobs to promote from each of the schedule and retry zsets
-- A_DEAD_MAX  dead-letter cap (count)
-- A_DEAD_MIN  dead-letter age cap: drop dead letters scored below this (unix microseconds)
-- A_DONE_MAX  completed cap and cancelled cap (count, each)
-- A_DONE_MIN  completed/cancelled age cap: drop those scored below this (unix microseconds)
--
-- Moves due scheduled and retrying jobs (execute-at <= now, compared to the
-- nanosecond) to the back of their pending lists, earliest first, arms the
-- wake-up marker, and trims the dead-letter, completed and cancelled sets
-- by count and age (at most 1,000 jobs of each per call). Returns how many
-- jobs it promoted. The script is atomic, so concurrent callers never move
-- a job twice. Its first write is a ZREM or a trim's DEL, so it runs out
-- of memory too (see lib.lua), and the trims free memory.
check_keys(K_P1, K_P2, K_P3, K_P4, K_SCHEDULED, K_RETRYING, K_WAKE, K_DEAD, K_DONE, K_STATS, K_GONE, K_CANCELLED, K_INDEX)
local base = ARGV[A_BASE]
local moved = promote(base, ARGV[A_NOW_US], ARGV[A_NOW_NS], tonumber(ARGV[A_LIMIT]))
trim_zset(base, K_DEAD, tonumber(ARGV[A_DEAD_MAX]), ARGV[A_DEAD_MIN])
trim_zset(base, K_DONE, tonumber(ARGV[A_DONE_MAX]), ARGV[A_DONE_MIN])
trim_zset(base, K_CANCELLED, tonumber(ARGV[A_DONE_MAX]), ARGV[A_DONE_MIN])
return moved
