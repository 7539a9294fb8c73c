-- enqueue_one.lua: store one new pending job whose ID was just generated
-- (jobs.Job.FreshID) and that is due when created: what a lone Enqueue
-- call asks for, and the shortest path there is. enqueue_list.lua does the
-- same for any number of jobs of one queue, checking that their IDs are
-- not in use; an ID that was just generated cannot be, so this script
-- writes without looking, and stores only the fields a new job needs: d,
-- s and p (absent a reads as attempt 0, absent x as the created time; see
-- lib.lua).
--
-- KEYS[1]  the job's priority list, <base>p1 .. <base>p4
-- KEYS[2]  the wake-up marker <base>wake
-- KEYS[3]  the job hash <base>j:<id>
--          Every key the script touches is named, so that Redis Cluster
--          sends the call where all of them are while their slot migrates.
-- ARGV (oneLayout in args_path.go):
-- A_D      the job's static JSON (field d)
--
-- The job's ID and priority are read off its keys rather than passed: the
-- ID is what follows <base>j: in KEYS[3] (as long a prefix as KEYS[1],
-- <base>p<n>), the priority the digit that ends KEYS[1]. Each argument
-- costs the server a Lua string and a slot in ARGV on every call, more
-- than taking a substring.
--
-- Returns 0.
--
-- The wake-up marker is armed only when the list was empty, as in
-- enqueue_list.lua, which explains why that is enough.
--
-- All or none: the first write, HSET, is the one a full Redis refuses (see
-- lib.lua), and changes nothing when the job's key holds another type;
-- the writes after it are undone when they fail (a key of another type).
-- The script defines no function, and checks each reply by comparing it
-- with the number a success returns, so that the common case pays for
-- nothing more: errors are built where they happen.

local job, list = KEYS[3], KEYS[1]
local key, kind = job, 'hash' -- what the last write wrote to
local r = redis.pcall('HSET', job, 'd', ARGV[A_D], 's', 'pending', 'p', string.sub(list, -1))
if r == 3 then
  key, kind = list, 'list'
  r = redis.pcall('RPUSH', list, string.sub(job, #list + 1))
  if r == 1 then
    key, kind = KEYS[2], 'zset'
    r = redis.pcall('ZADD', key, '0', 'w')
    if type(r) ~= 'number' then redis.call('RPOP', list) end
  end
  if type(r) == 'number' then return 0 end
  redis.call('DEL', job)
elseif type(r) == 'number' then
  -- An existing hash (not one of a generated ID: a corrupt store)
  error({ err = 'jobs: key ' .. job .. ' held a hash before this enqueue of a generated ID' })
end
if string.sub(r.err, 1, 9) ~= 'WRONGTYPE' then error(r) end
error({ err = 'WRONGTYPE jobs: key ' .. key .. ' holds a ' .. redis.call('TYPE', key)['ok'] .. ', not a ' .. kind ..
  '; nothing was changed (jobs repair moves it aside and rebuilds the queue)' })
