-- lib_unique.lua: reading and changing unique-key holders. Needs lib.lua.

-- ACTIVE holds the states in which a job holds a unique key without TTL.
local ACTIVE = { pending = true, scheduled = true, running = true, retrying = true }

-- unique_holder returns the ID of the job that holds a unique key whose
-- holder string is v (false or nil: none), or nil when the key is free at
-- now_ns. A holder with a TTL holds it until then, whatever its state. A
-- holder without one holds it while its job is active: with prefix that is
-- checked here (standalone mode, any slot is readable); without it the
-- holder is returned with a second value true, "unsure", for the caller
-- to check.
local function unique_holder(v, now_ns, prefix)
  if not v then return nil end
  local id, q, till = string.match(v, '^(%S+) (%S+) (%d+)$')
  if not id then return nil end
  if till ~= '0' then
    if pad(now_ns) < pad(till) then return id end
    return nil
  end
  if not prefix then return id, true end
  local f = hmget(prefix .. ':{' .. q .. '}:j:' .. id, 's')
  if f and ACTIVE[f[1] or ''] then return id end
  return nil
end

-- unique_set makes v the holder string at key uk, expiring after px
-- milliseconds when px is not ''.
local function unique_set(uk, v, px)
  if px ~= '' then
    redis.call('SET', uk, v, 'PX', px)
  else
    redis.call('SET', uk, v)
  end
end

-- unique_apply frees or retakes the unique key uk for the job whose holder
-- string is v: op 'free' deletes it while v holds it; op 'take' makes v the
-- holder again unless another job holds it (prefix as for unique_holder;
-- an unsure holder is left alone).
local function unique_apply(uk, op, v, px, now_ns, prefix)
  local cur = redis.call('GET', uk)
  if op == 'free' then
    if cur == v then redis.call('DEL', uk) end
  elseif op == 'take' then
    if cur ~= v and unique_holder(cur, now_ns, prefix) then return end
    unique_set(uk, v, px)
  end
end
