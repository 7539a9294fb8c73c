-- pause.lua: pause or resume one queue.
--
-- KEYS: the queue's keys (see lib.lua).
-- ARGV (pauseLayout in args.go): the queue header (see lib.lua), then
-- A_PAUSE  '1' to pause, '0' to resume
--
-- Pausing sets KEYS[K_PAUSED], which dequeue.lua checks before taking jobs.
-- Resuming deletes it and arms the wake-up marker, so that a blocked
-- worker looks at once (and re-arms it for the next while jobs remain).
-- Returns 0.
check_keys(K_WAKE)
if ARGV[A_PAUSE] == '1' then
  -- DEL first: Redis allows deny-oom writes (SET) out of memory once a
  -- script has written, so a full Redis can still be paused.
  redis.call('DEL', KEYS[K_PAUSED])
  redis.call('SET', KEYS[K_PAUSED], '1')
else
  redis.call('DEL', KEYS[K_PAUSED])
  wake()
end
return 0
