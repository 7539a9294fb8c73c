-- release.lua: drop job IDs from the ID index while they still name the
-- given queue (after a delete, a failed enqueue or a trim).
--
-- KEYS[1]  the ID index <prefix>:ids, hash id -> "<server ms> <queue>"
-- ARGV (releaseLayout in args.go):
-- A_QUEUE  queue
-- A_IDS..  IDs, one per argument to the end
--
-- Returns how many entries it dropped.
local dropped = 0
for i = A_IDS, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v and string.match(v, '^%d+ (.*)$') == ARGV[A_QUEUE] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    dropped = dropped + 1
  end
end
return dropped
