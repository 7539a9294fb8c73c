-- poke.lua: wake the Dequeue call blocked (BZPOPMIN) on its own wake-up
-- key, whose context was cancelled.
--
-- KEYS[1]  the call's wake-up key <base>w:<call>
-- ARGV: none (pokeLayout in args.go).
--
-- Adds a member to the key, which expires after 10 s should the call have
-- returned already. The DEL first (of a key that is normally absent) is a
-- write that Redis allows out of memory (maxmemory, noeviction); after it
-- the deny-oom ZADD runs too, so a cancelled Dequeue wakes at once on a
-- full Redis as well. Returns 1.
redis.call('DEL', KEYS[1])
redis.call('ZADD', KEYS[1], 0, 'ctx')
redis.call('PEXPIRE', KEYS[1], 10000)
return 1
