-- enqueue_list.lua: store new jobs of one queue, all or none, when their
-- IDs go in no index (generated IDs without unique keys, see indexed in
-- store.go) and they all go to one place: every one pending with the same
-- priority, or every one scheduled. That is what concurrent Enqueue calls
-- of one job ask for (one call, or a group commit of several), and this
-- script is their short path: enqueue.lua does the same for any batch,
-- but its general layout (14 keys, the checks of every key it may write)
-- costs more than the jobs themselves when they are few.
--
-- KEYS[1]  where the jobs go: the priority list <base>p1 .. <base>p4 of
--          pending jobs, or the schedule <base>sched
-- KEYS[2]  pending jobs only: the wake-up marker <base>wake
-- then the job hashes <base>j:<id>, one per job, in the order of ARGV.
--          Every key the script touches is named, so that Redis Cluster
--          sends the call where all of them are while their slot migrates
--          (TRYAGAIN or ASK), rather than run it where some are not.
-- ARGV[1]  "pending" or "scheduled", the state of every job
-- then one group per job: id, static JSON (field d), priority (1-4),
--          execute-at in unix nanoseconds ("" for a pending job due when
--          created: x is then not stored, see lib.lua) and, for a
--          scheduled job only, execute-at in unix microseconds (its score
--          in the schedule)
--
-- Returns 0 when the jobs were stored, or the first ID already in use (a
-- string; nothing was stored). The caller has checked that no two jobs
-- share an ID. A new job's attempt (a) is not stored: absent, it reads as
-- 0.
--
-- Pending jobs arm the wake-up marker only when their list was empty: a
-- list that holds jobs already had it armed by the enqueue that found it
-- empty, and a worker that takes jobs and leaves some behind arms it again
-- (fn_dequeue.lua), so an idle worker still wakes at once while a busy
-- queue skips a write that costs as much as storing a job. (A worker that
-- popped the marker and died before taking leaves the jobs to the next
-- timed-out wait of another, within DefaultBlockTimeout.)
--
-- All or none without a TYPE check: the jobs' keys do not exist (checked
-- first, even for IDs just generated: see enqueue_one.lua for the one
-- job that skips that), so their HSETs cannot fail; the first write is to KEYS[1] and
-- changes nothing when that key holds another type; a wake-up marker of
-- another type makes the script take back the IDs it pushed before it
-- fails. The first write is also the one a full Redis refuses (see
-- lib.lua: out of memory, a script's deny-oom commands are refused until
-- its first write), so a full Redis stores none of the jobs.

-- fail fails the script with err, the error of a write to key (which
-- should hold a kind), naming the key when it holds another type.
local function fail(err, key, kind)
  if string.sub(err.err, 1, 9) == 'WRONGTYPE' then
    error({ err = 'WRONGTYPE jobs: key ' .. key .. ' holds a ' .. redis.call('TYPE', key)['ok'] .. ', not a ' .. kind ..
      '; nothing was changed (jobs repair moves it aside and rebuilds the queue)' })
  end
  error(err)
end

-- arm arms the wake-up marker after n IDs were pushed to an empty list
-- (to); a marker of another type makes it take them back and fail.
local function arm(to, n)
  local wake = KEYS[2]
  local r = redis.pcall('ZADD', wake, 0, 'w')
  if type(r) == 'table' then
    redis.call('RPOP', to, n)
    fail(r, wake, 'zset')
  end
end

-- store writes job hash key from the group of ARGV at o (its ID).
local function store(key, state, o)
  if ARGV[o + 3] == '' then
    redis.call('HSET', key, 'd', ARGV[o + 1], 's', state, 'p', ARGV[o + 2])
  else
    redis.call('HSET', key, 'd', ARGV[o + 1], 's', state, 'p', ARGV[o + 2], 'x', ARGV[o + 3])
  end
end

local to, state = KEYS[1], ARGV[1]
local per, k0 = 4, 2 -- ARGV per job; KEYS[k0 + i] is job i's hash
if state == 'scheduled' then per, k0 = 5, 1 end
local n = (#ARGV - 1) / per
if n == 1 then
  -- One job, without the tables and unpack calls of a batch.
  local id, job = ARGV[2], KEYS[k0 + 1]
  if redis.call('EXISTS', job) == 1 then return id end
  local r
  if per == 5 then
    r = redis.pcall('ZADD', to, ARGV[6], id)
    if type(r) == 'table' then fail(r, to, 'zset') end
  else
    r = redis.pcall('RPUSH', to, id)
    if type(r) == 'table' then fail(r, to, 'list') end
    if r == 1 then arm(to, 1) end
  end
  store(job, state, 2)
  return 0
end
local jobs, ids = {}, {}
for i = 1, n do
  ids[i], jobs[i] = ARGV[2 + (i - 1) * per], KEYS[k0 + i]
end
if redis.call('EXISTS', unpack(jobs)) > 0 then
  for i = 1, n do
    if redis.call('EXISTS', jobs[i]) == 1 then return ids[i] end
  end
end
local r
if per == 5 then
  local z = {}
  for i = 1, n do z[2 * i - 1], z[2 * i] = ARGV[2 + (i - 1) * per + 4], ids[i] end
  r = redis.pcall('ZADD', to, unpack(z))
  if type(r) == 'table' then fail(r, to, 'zset') end
else
  r = redis.pcall('RPUSH', to, unpack(ids))
  if type(r) == 'table' then fail(r, to, 'list') end
  if r == n then arm(to, n) end
end
for i = 1, n do
  store(jobs[i], state, 2 + (i - 1) * per)
end
return 0
