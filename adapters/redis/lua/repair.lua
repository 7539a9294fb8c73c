-- repair.lua: check, and with fix put right, where jobs of one queue are
-- (Repair). The caller picked the IDs from a snapshot; this script looks
-- again, atomically, so that jobs that moved meanwhile are left alone.
--
-- KEYS: the queue's keys (see lib.lua).
-- ARGV (repairLayout in args.go): the queue header (see lib.lua), then
-- A_FIX    '1' to fix, '' to report only
-- A_N_IDS  number of IDs n
-- from A_IDS, n IDs (groups of I_SIZE = 1: I_ID)
--
-- For each ID: no job hash while structures name it is dangling (fix:
-- the entries go); a key of another type or a hash without a valid state
-- or priority is corrupt (fix: quarantined); a job in no structure is an
-- orphan, one in another structure than its state's, or in several, is
-- misplaced (fix: it stays, or goes, only where its state says: pending
-- at the back of its priority list, scheduled and retrying by execute-at,
-- running by its lease deadline (recovered once that passes), finished
-- ones by finish time). Structure keys of another type are skipped when
-- reporting; fixing needs them moved aside first (check_keys).
--
-- Out of memory (see lib.lua) a fix whose first write puts an orphan back
-- (RPUSH, ZADD) is refused whole; removals and quarantines go through.
--
-- Returns groups of 3: id, kind ('dangling', 'corrupt', 'orphan',
-- 'misplaced'), what was found; IDs found in place are left out.
local base, now_us, now_ns = ARGV[A_BASE], ARGV[A_NOW_US], ARGV[A_NOW_NS]
local fix = ARGV[A_FIX] == '1'
if fix then check_keys(K_P1, K_P2, K_P3, K_P4, K_SCHEDULED, K_RETRYING, K_LEASE, K_WAKE, K_DEAD, K_STATS, K_CANCELLED) end
local NAMES = { 'p1', 'p2', 'p3', 'p4', 'sched', 'retry', 'lease', 'wake', 'dead', 'done', 'stats', 'gone', 'cancelled' }
local PLACE = { scheduled = K_SCHEDULED, retrying = K_RETRYING, running = K_LEASE, failed = K_DEAD, completed = K_DONE, cancelled = K_CANCELLED }
local WHERE = { K_P1, K_P2, K_P3, K_P4, K_SCHEDULED, K_RETRYING, K_LEASE, K_DEAD, K_DONE, K_CANCELLED }
local usable = {}
for _, i in ipairs(WHERE) do
  local kind = redis.call('TYPE', KEYS[i])['ok']
  usable[i] = kind == 'none' or kind == KINDS[i]
end

-- micros turns unix nanoseconds into a zset score (unix microseconds),
-- now when ns is not a number.
local function micros(ns)
  local n = tonumber(ns or '')
  if not n then return now_us end
  return string.format('%.0f', math.floor(n / 1000))
end

-- take_out removes id from the structures in list.
local function take_out(id, list)
  for _, i in ipairs(list) do
    if i <= 4 then redis.call('LREM', KEYS[i], 0, id) else redis.call('ZREM', KEYS[i], id) end
  end
end

local out = {}
local function report(id, kind, what)
  out[#out + 1] = id
  out[#out + 1] = kind
  out[#out + 1] = what
end

for j = 0, tonumber(ARGV[A_N_IDS]) - 1 do
  local id = ARGV[A_IDS + j * I_SIZE + I_ID]
  local key = base .. 'j:' .. id
  local found, names = {}, {}
  for _, i in ipairs(WHERE) do
    local here
    if not usable[i] then
      here = false
    elseif i <= 4 then
      here = redis.call('LPOS', KEYS[i], id)
    else
      here = redis.call('ZSCORE', KEYS[i], id)
    end
    if here then
      found[#found + 1] = i
      names[#names + 1] = NAMES[i]
    end
  end
  local where = table.concat(names, ', ')
  local kind = redis.call('TYPE', key)['ok']
  local f = kind == 'hash' and redis.call('HMGET', key, 's', 'p', 'x', 'l', 'fi') or nil
  if kind == 'none' then
    if #found > 0 then
      report(id, 'dangling', 'listed in ' .. where .. ' but its job does not exist')
      if fix then take_out(id, found) end
    end
  elseif not (f and STATES[f[1] or ''] and PRIO[f[2] or '']) then
    report(id, 'corrupt', 'its job cannot be read (in ' .. (where ~= '' and where or 'no structure') .. ')')
    if fix then
      take_out(id, found)
      quarantine(base, id, now_us, now_ns, '', nil, nil)
    end
  else
    local state = f[1]
    local want = PLACE[state] or tonumber(f[2])
    local placed, others = false, {}
    for _, i in ipairs(found) do
      if i == want then placed = true else others[#others + 1] = i end
    end
    if not placed or #others > 0 then
      if #found == 0 then
        report(id, 'orphan', state .. ' job in no structure; its place is ' .. NAMES[want])
      else
        report(id, 'misplaced', state .. ' job in ' .. where .. '; its place is ' .. NAMES[want])
      end
      if fix then
        take_out(id, others)
        if not placed then
          if want <= 4 then
            redis.call('RPUSH', KEYS[want], id)
            wake()
          else
            local ns = f[3]
            if state == 'running' then ns = f[4] elseif want >= K_DEAD then ns = f[5] end
            redis.call('ZADD', KEYS[want], micros(ns), id)
          end
        end
      end
    end
  end
end
return out
