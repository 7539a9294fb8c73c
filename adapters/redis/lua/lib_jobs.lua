-- lib_jobs.lua: checking job hashes, quarantining corrupt ones and
-- promoting due jobs. Needs lib.lua; scripts.go puts it after lib.lua.

-- PRIO and STATES are the valid values of fields p and s.
local PRIO = { ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true }
local STATES = { pending = true, scheduled = true, running = true, retrying = true,
  completed = true, failed = true, cancelled = true }

-- FIELDS are the fields of a job hash that readers decode.
local FIELDS = { 's', 'p', 'a', 'd', 'x', 'st', 'fi', 'l', 'r', 'e' }

-- attempt_ok reports whether a is an attempt number that readers can
-- decode and Lua count on exactly (a decimal integer below 10^15), or
-- absent (nil or ''), which reads as 0.
local function attempt_ok(a)
  return not a or a == '' or (type(a) == 'string' and #a < 16 and string.match(a, '^%d+$') ~= nil)
end

-- readable reports whether v (never nil) can be decoded as the value of
-- job hash field name.
local function readable(name, v)
  if name == 's' then return STATES[v] ~= nil end
  if name == 'p' then return PRIO[v] ~= nil end
  if name == 'a' then return attempt_ok(v) end
  if name == 'd' then
    local ok, t = pcall(cjson.decode, v)
    return ok and type(t) == 'table' and type(t.t) == 'string' and t.t ~= ''
  end
  if v == '' then return true end
  if name == 'r' or name == 'e' then
    local ok, t = pcall(cjson.decode, v)
    return ok and (name == 'r' or type(t) == 'table')
  end
  return #v < 20 and string.match(v, '^-?%d+$') ~= nil
end

-- unreadable_reason says why field name's value v cannot be read.
local function unreadable_reason(name, v)
  local q = string.format('%q', v)
  if name == 's' then return 'its state ' .. q .. ' is unknown' end
  if name == 'p' then return 'its priority ' .. q .. ' is not 1-4' end
  if name == 'a' then return 'its attempt ' .. q .. ' is not a number' end
  if name == 'd' and v == '' then return 'its data field is missing' end
  if name == 'd' then return 'its data field (type, args, ...) is not valid job JSON' end
  return 'its field ' .. name .. ' ' .. q .. ' cannot be read'
end

-- quarantine turns the job at <base>j:<id> into a readable failed job
-- with a corrupt_job error, puts it in the dead-letter queue and counts a
-- failed attempt. The caller has taken id out of every other structure.
-- Every field that cannot be read (see readable; also, when given, a
-- comma-separated list of fields the caller found unreadable) is set to a
-- sane value (p 2, a 0, d {"t": jobtype} or {}, times and result cleared)
-- and its stored value kept in field raw, a JSON object field -> value
-- (a key of another type than hash leaves {"value": its first KiB}).
-- Readable fields, the static JSON d among them, are kept, so that the
-- job can be retried. why (may be nil) explains the corruption.
local function quarantine(base, id, now_us, now_ns, jobtype, why, also)
  local key = base .. 'j:' .. id
  local kind = redis.call('TYPE', key)['ok']
  local raw, bad, reason = {}, {}, nil
  if kind == 'hash' then
    for name in string.gmatch(also or '', '[^,]+') do bad[name] = true end
    local vals = redis.call('HMGET', key, unpack(FIELDS))
    for i, name in ipairs(FIELDS) do
      local v = vals[i] or ''
      if bad[name] or not readable(name, v) then
        bad[name] = true
        if v ~= '' then raw[name] = v end
        reason = reason or unreadable_reason(name, v)
      end
    end
  else
    if kind == 'string' then
      raw.value = redis.call('GETRANGE', key, 0, 1023)
      reason = 'the key holds a string instead of a job hash (starts with ' .. string.format('%q', string.sub(raw.value, 1, 80)) .. ')'
    elseif kind == 'none' then
      reason = 'its data is missing'
    else
      raw.value = '(a ' .. kind .. ')'
      reason = 'the key holds a ' .. kind .. ' instead of a job hash'
    end
    redis.call('DEL', key)
    for _, name in ipairs(FIELDS) do bad[name] = true end
  end
  if why and why ~= '' then reason = why end
  local e = cjson.encode({ type = 'corrupt_job', message = 'job ' .. id .. ' is corrupt in Redis: ' .. (reason or 'its data cannot be read') })
  local set = { 's', 'failed', 'fi', now_ns, 'l', '', 'e', e }
  local sane = { p = '2', a = '0', x = '', st = '', r = '' }
  sane.d = '{}'
  if jobtype ~= '' then sane.d = cjson.encode({ t = jobtype }) end
  for name, v in pairs(sane) do
    if bad[name] then
      set[#set + 1] = name
      set[#set + 1] = v
    end
  end
  if next(raw) then
    set[#set + 1] = 'raw'
    set[#set + 1] = cjson.encode(raw)
  end
  redis.call('HSET', key, unpack(set))
  redis.call('ZADD', KEYS[K_DEAD], now_us, id)
  count(false, '')
end

-- promote moves up to limit due scheduled and retrying jobs (execute-at
-- <= now) to the back of their pending lists, earliest first, and returns
-- how many it moved. Entries for jobs in another state are dropped; corrupt
-- jobs are quarantined.
local function promote(base, now_us, now_ns, limit)
  local moved = 0
  for _, zi in ipairs({ K_SCHEDULED, K_RETRYING }) do
    local want = (zi == K_SCHEDULED) and 'scheduled' or 'retrying'
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
          quarantine(base, id, now_us, now_ns, '', nil, nil)
        end
      end
    end
  end
  if moved > 0 then wake() end
  return moved
end
