-- poke.lua: wake the Dequeue call blocked (BZPOPMIN) on its own wake-up
-- key, whose context was cancelled.
--
-- KEYS[1]  the call's wake-up key <base>w:<call>
-- KEYS[2]  the call's live key <base>live:<call> (see wait_take.lua)
-- ARGV: none (pokeLayout in args.go).
--
-- Deletes the live key, so that the take pipelined behind the wait takes
-- nothing for a call that has left, and adds a member to the wake-up key,
-- which expires after 10 s should the call have returned already. The
-- DELs first are writes that Redis allows out of memory (maxmemory,
-- noeviction); after them the deny-oom ZADD runs too, so a cancelled
-- Dequeue wakes at once on a full Redis as well. Returns 1.
redis.call('DEL', KEYS[2])
redis.call('DEL', KEYS[1])
redis.call('ZADD', KEYS[1], 0, 'ctx')
redis.call('PEXPIRE', KEYS[1], 10000)
return 1
