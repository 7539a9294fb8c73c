-- wait_take.lua: the take pipelined behind a Dequeue's wait (BZPOPMIN), so
-- that a job that ends the wait comes back in the same round trip (see
-- waitTake in wait.go). The server runs it the moment the wait ends, even
-- when the process that waits no longer runs (SIGSTOP, a VM pause), so it
-- leases only while that process shows it runs: the call's live key,
-- which the process renews every liveRenew and which expires after
-- liveTTL (a string, set by the pipeline before its wait).
--
-- KEYS: the queue's keys K_P1 .. K_PAUSED (see lib.lua; never the ID
--       index, which dequeue does not use), then the call's live key
--       <base>live:<call>, always the last.
-- ARGV: as dequeue.lua's (dequeueLayout in args_path.go).
--
-- Without the live key (the process missed renewals: frozen, or too
-- busy) it takes nothing, arms the wake-up marker again when a pending
-- list holds IDs (the wait may have consumed it, and another worker is to
-- take them; never when none does, or two lapsed waiters on a queue
-- without jobs would wake each other for ever) and returns { 'lapsed' }:
-- a process that runs then takes in a call of its own. With it, it
-- deletes the key (a write that a full Redis allows, see lib.lua) and
-- returns what dequeue returns. On the server's clock, now and the lease
-- are moved to the server's TIME first (lease_times in lib.lua): the
-- header's now is when the pipeline was sent, up to a block timeout ago,
-- and due scheduled jobs are promoted by it.
local live = KEYS[#KEYS]
if redis.call('DEL', live) == 0 then
  for p = K_P1, K_P4 do
    if redis.call('LLEN', KEYS[p]) > 0 then
      -- not wake(): a marker key of another type fails the take that
      -- follows, naming it, rather than this one, which answers no caller
      redis.pcall('ZADD', KEYS[K_WAKE], '0', 'w')
      break
    end
  end
  return { 'lapsed' }
end
local t = lease_times(ARGV[A_NOW_US], ARGV[A_NOW_NS], ARGV[A_UNTIL_US], ARGV[A_UNTIL_NS], ARGV[A_SERVER_CLOCK])
ARGV[A_NOW_US], ARGV[A_NOW_NS], ARGV[A_UNTIL_US], ARGV[A_UNTIL_NS] = t[1], t[2], t[3], t[4]
return dequeue(false)
