-- cycle.lua: one worker cycle of a queue in one call: store outcomes, then
-- lease new jobs (BullMQ's moveToFinished fetches the next job the same way).
--
-- KEYS: the queue's keys (see lib.lua); KEYS[K_INDEX] (standalone only) the ID index.
-- ARGV (cycleLayout in args_path.go): the queue header (see lib.lua), then
-- dequeue's arguments (A_TAKE_MAX ..., see fn_dequeue.lua), then move's
-- (A_DEAD_MAX ..., see fn_move.lua).
--
-- Returns { codes, leased }: move's codes, then dequeue's reply. Both
-- halves run out of memory (see lib.lua): move's first write is a removal.
check_keys(K_P1, K_P2, K_P3, K_P4, K_SCHEDULED, K_RETRYING, K_LEASE, K_WAKE, K_DEAD, K_DONE, K_STATS, K_GONE, K_CANCELLED, K_INDEX)
check_move()
local codes = move()
return { codes, dequeue(true) } -- true: the keys are checked above
