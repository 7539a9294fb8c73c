-- lib_jobs.lua: checking job hashes, quarantining corrupt ones and
-- promoting due jobs. Needs lib.lua; scripts.go puts it after lib.lua.

-- PRIO and STATES are the valid values of fields p and s.
local PRIO = { ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true }
local STATES = { pending = true, scheduled = true, running = true, retrying = true,
  completed = true, failed = true, cancelled = true }

-- describe says what is wrong with the job at key, for a corrupt_job error.
local function describe(key)
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then return 'its data is missing', '' end
  if kind == 'string' then
    local raw = redis.call('GETRANGE', key, 0, 1023)
    return 'the key holds a string instead of a job hash (starts with ' .. string.format('%q', string.sub(raw, 1, 80)) .. ')', raw
  end
  if kind ~= 'hash' then return 'the key holds a ' .. kind .. ' instead of a job hash', '' end
  local f = redis.call('HMGET', key, 's', 'a', 'p', 'd')
  local raw = f[4] or ''
  if not STATES[f[1] or ''] then return 'its state ' .. string.format('%q', tostring(f[1] or '')) .. ' is unknown', raw end
  if not tonumber(f[2] or '') then return 'its attempt ' .. string.format('%q', tostring(f[2] or '')) .. ' is not a number', raw end
  if not PRIO[f[3] or ''] then return 'its priority ' .. string.format('%q', tostring(f[3] or '')) .. ' is not 1-4', raw end
  return 'its data field is missing', raw
end

-- quarantine turns the job at <base>j:<id> into a well-formed failed job
-- with a corrupt_job error, puts it in the dead-letter queue and counts a
-- failed attempt. The caller has taken id out of every other structure.
-- why (may be nil) explains the corruption; jobtype is kept when known.
local function quarantine(base, id, now_us, now_ns, jobtype, why)
  local key = base .. 'j:' .. id
  local reason, raw = describe(key)
  local attempt = '0'
  if redis.call('TYPE', key)['ok'] == 'hash' then
    local a = redis.call('HGET', key, 'a')
    if a and tonumber(a) then attempt = a end
  end
  if why and why ~= '' then reason = why end
  local d = '{}'
  if jobtype ~= '' then d = cjson.encode({ t = jobtype }) end
  local e = cjson.encode({ type = 'corrupt_job', message = 'job ' .. id .. ' is corrupt in Redis: ' .. reason })
  redis.call('DEL', key)
  redis.call('HSET', key, 'd', d, 's', 'failed', 'p', '2', 'a', attempt, 'x', now_ns, 'fi', now_ns, 'e', e, 'raw', string.sub(raw, 1, 1024))
  redis.call('ZADD', KEYS[9], now_us, id)
  count(false, '')
end

-- promote moves up to limit due scheduled and retrying jobs (execute-at
-- <= now) to the back of their pending lists, earliest first, and returns
-- how many it moved. Entries for jobs in another state are dropped; corrupt
-- jobs are quarantined.
local function promote(base, now_us, now_ns, limit)
  local moved = 0
  for _, zi in ipairs({ 5, 6 }) do
    local want = (zi == 5) and 'scheduled' or 'retrying'
    local due = redis.call('ZRANGEBYSCORE', KEYS[zi], '-inf', now_us, 'WITHSCORES', 'LIMIT', 0, limit)
    for i = 1, #due, 2 do
      local id, key = due[i], base .. 'j:' .. due[i]
      local f = hmget(key, 's', 'p', 'x')
      -- A job due within the current microsecond waits until its nanosecond.
      local early = f and f[3] and due[i + 1] == now_us and pad(f[3]) > pad(now_ns)
      if not early then
        redis.call('ZREM', KEYS[zi], id)
        if f and f[1] == want and PRIO[f[2] or ''] then
          redis.call('HSET', key, 's', 'pending')
          redis.call('RPUSH', KEYS[tonumber(f[2])], id)
          moved = moved + 1
        elseif not (f and STATES[f[1] or ''] and PRIO[f[2] or '']) then
          quarantine(base, id, now_us, now_ns, '', nil)
        end
      end
    end
  end
  if moved > 0 then wake() end
  return moved
end
