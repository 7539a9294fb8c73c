-- cycle.lua: one worker cycle of a queue in one call: store outcomes, then
-- lease new jobs (BullMQ's moveToFinished fetches the next job the same way).
--
-- KEYS: the queue's keys (see lib.lua); KEYS[15] (standalone only) the ID index.
-- ARGV[5..7]  dequeue's arguments (see fn_dequeue.lua, from ARGV[5])
-- ARGV[8..]   move's arguments (see fn_move.lua, from ARGV[8])
--
-- Returns { codes, leased }: move's codes, then dequeue's reply. Both
-- halves run out of memory (see lib.lua): move's first write is a removal.
check_keys(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15)
check_move(8)
local codes = move(8)
return { codes, dequeue(5) }
