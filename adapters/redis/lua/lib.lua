-- lib.lua: the helpers every queue script gets. scripts.go prepends this
-- file to each of them, then the other lib_*.lua files the script needs
-- (lib_jobs.lua, lib_trim.lua, lib_unique.lua, in that order), so that a
-- script pays only for the helpers it uses. Every queue script sees the
-- same KEYS layout, written once in keys.go (keySlots), whose constants
-- scripts.go writes into each script as numbers: KEYS[K_LEASE] is the
-- lease zset.
--
-- K_P1..K_P4  <base>p1 .. <base>p4  pending job IDs of priority 1 (low) .. 4 (critical), lists, FIFO
-- K_SCHEDULED <base>sched           scheduled job IDs, zset scored by execute-at (unix microseconds)
-- K_RETRYING  <base>retry           retrying job IDs, zset scored by execute-at (unix microseconds)
-- K_LEASE     <base>lease           running job IDs, zset scored by lease deadline (unix microseconds)
-- K_WAKE      <base>wake            wake-up marker, zset with at most one member; workers BZPOPMIN it
-- K_DEAD      <base>dead            failed job IDs (dead letters), zset scored by finish time
-- K_DONE      <base>done            completed job IDs, zset scored by finish time
-- K_STATS     <base>stats           hash of counters: processed, succeeded, failed, timed, dur_ns
-- K_GONE      <base>gone            list of IDs whose jobs were trimmed, for the ID index clean-up
-- K_CANCELLED <base>cancelled       cancelled job IDs, zset scored by finish time
-- K_PAUSED    <base>paused          set (to "1") while the queue is paused; Dequeue takes nothing
-- K_INDEX     <prefix>:ids          (standalone mode only) the ID index, hash id -> "<ms> <queue>"
--
-- Per-minute counters (see per_minute below and fn_dequeue.lua) live in
-- two strings of fixed size that scripts address with BITFIELD, outside
-- KEYS but in the queue's slot: <base>tp, 1500 slots (25 hours) of 12 bytes,
-- each the unix minute it holds (u32), then the attempts finished and the
-- attempts failed in that minute (u32 each), slot = minute % 1500; and
-- <base>wt, 64 slots of 196 bytes, each the unix minute (u32) and 48
-- bucket counts (u32) of the waits of the jobs started in that minute
-- (bucket bounds: WAITS in fn_dequeue.lua, written from
-- jobs.WaitBucketBound). A slot whose minute is not the current one is
-- reset when the minute is first counted in, so old minutes are
-- overwritten and memory stays bounded; both keys expire 25 hours
-- after the last minute they started (their expiry is renewed then, not
-- on every write). A counter is best effort: a wrong-type key is left
-- alone (redis.pcall), never failing the change that counts.
--
-- <base> is "<prefix>:{<queue>}:", so KEYS[1..14] share the queue's hash tag.
-- Every script's ARGV starts with the queue header (queueHead in argv.go):
-- ARGV[A_BASE] = <base>, ARGV[A_QUEUE] = queue name, ARGV[A_NOW_US] = now
-- in unix microseconds (zset scores) and ARGV[A_NOW_NS] = now in unix
-- nanoseconds (stored times); its own arguments follow, each named by a
-- constant that its layout (argv.go, args*.go) declares, like the KEYS
-- constants. No script reads ARGV by a number. (claim.lua and unique.lua
-- take lib.lua for helpers that read no ARGV; their layouts are their own.)
-- Job hashes live at <base>j:<id> and per-type history lists at
-- <base>h:<type>; scripts build those names from ARGV[A_BASE], which
-- keeps them in the same slot. KEYS[15] is only passed when the client is
-- not a cluster client (all keys then live on one server); only then do
-- scripts touch unique-key holders (<prefix>:u:{<prefix>:ids}:<unique key>,
-- strings "<holder ID> <queue> <until unix ns, or 0: while active>"), whose
-- names the caller passes in ARGV. On a cluster the Go code handles them
-- with claim.lua and unique.lua in the index's slot.
--
-- Job hash fields: d static JSON (type, args, ...), s state, p priority
-- (1-4), a attempt, x execute-at, st started-at, fi finished-at, l lease
-- deadline (all times unix nanoseconds as decimal strings, never used in
-- arithmetic), r result JSON, e error JSON, rf refunded attempts, al the
-- attempt that runs alone (isolate.lua), h the attempt log (JSON; left
-- out when the job's other fields imply it, see codec.LogImplied), raw (a
-- quarantined job's unreadable fields as stored, JSON field -> value, see
-- quarantine).
-- A field set to '' reads as absent: scripts clear fields that way, which
-- costs no HDEL. A new job has no a (attempt), which reads as 0: a job
-- hash holds a once the job was first leased (fn_dequeue.lua reads the
-- fields an attempt leaves only then). A new job due at once, with an ID
-- just generated, is also stored without x (see enqueue_one.lua and
-- enqueue_list.lua): absent x reads as its created time (c in d, and the
-- time stamped on its ID, see floor_bucket in fn_dequeue.lua), which is
-- when it was due.
--
-- Out of memory (maxmemory reached under noeviction), Redis refuses a
-- script's deny-oom commands (HSET, SET, ZADD, RPUSH, LPUSH, ...) until the
-- script's first write, and allows them after it: a script that has
-- written must not stop half-way. The scripts have no shebang (#!lua), so
-- that rule applies to them, and they use it: those that settle jobs
-- (fn_move.lua: acks, releases, recoveries, cancellations, deletions;
-- extend.lua, isolate.lua, bury.lua, promote.lua and its trims, pause.lua,
-- report.lua) begin with a write that is never refused (ZREM, LREM, LPOP,
-- DEL, HDEL), so they succeed on a full Redis and go past maxmemory by what
-- they add.
-- dequeue's first write is an LTRIM, so a full Redis still hands out jobs:
-- their outcomes can be stored. enqueue.lua and claim.lua begin with HSET,
-- so a full Redis refuses new jobs whole (all or none), and claimtick.lua
-- too (no tick is claimed that could not be enqueued). A new script must
-- follow the same rule.

-- hmget reads fields of a hash; nil when the key holds another type.
local function hmget(key, ...)
  local r = redis.pcall('HMGET', key, ...)
  if type(r) == 'table' and r.err then return nil end
  return r
end

-- pad left-pads a decimal string to 20 digits so that strings compare as numbers.
local function pad(s)
  return string.rep('0', 20 - #s) .. s
end

-- chunked runs redis.call(head..., items...) once per 1,000 items of list
-- (unpack's stack is bounded); nothing when list is empty.
local function chunked(head, list)
  for i = 1, #list, 1000 do
    local args = { unpack(head) }
    for j = i, math.min(i + 999, #list) do args[#args + 1] = list[j] end
    redis.call(unpack(args))
  end
end

-- per_minute adds processed finished attempts, failed of them failed, to
-- the queue's counters of the minute of now_us (unix microseconds). One
-- BITFIELD call stamps the slot with the minute and counts; when the slot
-- held another minute (its SET returns the old stamp) the counts are set
-- instead, and the key's expiry renewed: once per minute, not per call.
local function per_minute(now_us, processed, failed)
  if processed == 0 then return end
  local key = ARGV[A_BASE] .. 'tp'
  local m = math.floor(tonumber(now_us) / 60000000)
  local bit = (m % 1500) * 96
  local old = redis.pcall('BITFIELD', key, 'SET', 'u32', bit, m, 'OVERFLOW', 'SAT',
    'INCRBY', 'u32', bit + 32, processed, 'INCRBY', 'u32', bit + 64, failed)
  if type(old) ~= 'table' or old.err or old[1] == m then return end
  redis.pcall('BITFIELD', key, 'SET', 'u32', bit + 32, processed, 'SET', 'u32', bit + 64, failed)
  redis.pcall('EXPIRE', key, 90000)
end

-- count adds one finished attempt to the queue's counters; dur is its
-- duration in nanoseconds ('' when unknown).
local function count(ok, dur)
  redis.call('HINCRBY', KEYS[K_STATS], 'processed', 1)
  redis.call('HINCRBY', KEYS[K_STATS], ok and 'succeeded' or 'failed', 1)
  per_minute(ARGV[A_NOW_US], 1, ok and 0 or 1)
  if dur ~= '' then
    redis.call('HINCRBY', KEYS[K_STATS], 'timed', 1)
    redis.call('HINCRBY', KEYS[K_STATS], 'dur_ns', dur)
  end
end

-- wake arms the wake-up marker so that one blocked worker runs Dequeue.
local function wake()
  redis.call('ZADD', KEYS[K_WAKE], '0', 'w')
end

-- prefix_of returns the key prefix, from ARGV[A_BASE] = "<prefix>:{<queue>}:"
-- and ARGV[A_QUEUE] = queue.
local function prefix_of()
  return string.sub(ARGV[A_BASE], 1, #ARGV[A_BASE] - #ARGV[A_QUEUE] - 4)
end

-- KINDS[i] is the type KEYS[i] has when it exists. KEYS[14], the paused
-- flag, may hold anything: only its existence counts.
local KINDS = { 'list', 'list', 'list', 'list', 'zset', 'zset', 'zset', 'zset', 'zset', 'zset', 'hash', 'list', 'zset' }
KINDS[15] = 'hash'

-- check_key fails the script when key exists with another type than want.
-- Redis keeps what a script wrote before it failed, so every script that
-- writes more than one key checks the keys it may write with check_key or
-- check_keys before its first write: it applies all of a change or none.
local function check_key(key, want)
  local kind = redis.call('TYPE', key)['ok']
  if kind ~= 'none' and kind ~= want then
    error({ err = 'WRONGTYPE jobs: key ' .. key .. ' holds a ' .. kind .. ', not a ' .. want ..
      '; nothing was changed (jobs repair moves it aside and rebuilds the queue)' })
  end
end

-- check_keys runs check_key on KEYS[i] for each i given, those present.
local function check_keys(...)
  for _, i in ipairs({ ... }) do
    if KEYS[i] then check_key(KEYS[i], KINDS[i]) end
  end
end

-- lease_times returns when a lease taken or extended by this call starts
-- and ends: { start us, start ns, until us, until ns } (unix times,
-- strings). With server ~= '1' (a clock set with WithClock) they are the
-- caller's now and until as given. With server == '1' (the backend decides
-- on the server's clock) and the server's TIME later than now, both move
-- on to TIME, keeping the lease's length: a call delayed on its way (a
-- frozen server, a retry after a reconnection, a wait for a group-commit
-- turn) still leases for the full length from when the server applies it,
-- never a deadline already past. One TIME per call, not per job.
local function lease_times(now_us, now_ns, until_us, until_ns, server)
  if server == '1' then
    local t = redis.call('TIME')
    local at = tonumber(t[1]) * 1000000 + tonumber(t[2])
    if at > tonumber(now_us) then
      -- integer formats and concatenation: a float format costs more
      local s = t[1] .. string.sub('00000' .. t[2], -6)
      local u = string.format('%d', at + tonumber(until_us) - tonumber(now_us))
      return { s, s .. '000', u, u .. '000' }
    end
  end
  return { now_us, now_ns, until_us, until_ns }
end
