-- lib_trim.lua: trimming the finished-job zsets (dead letters, completed,
-- cancelled) and forgetting trimmed IDs. Needs lib.lua.

-- forget drops ids from the ID index (standalone) or records them for the
-- maintainer to drop (cluster).
local function forget(ids)
  if not KEYS[K_INDEX] then
    chunked({ 'RPUSH', KEYS[K_GONE] }, ids)
    return
  end
  local mine = {}
  for i = 1, #ids, 1000 do
    local part = { unpack(ids, i, math.min(i + 999, #ids)) }
    local vs = redis.call('HMGET', KEYS[K_INDEX], unpack(part))
    for j, v in ipairs(part) do
      if vs[j] and string.match(vs[j], '^%d+ (.*)$') == ARGV[A_QUEUE] then mine[#mine + 1] = v end
    end
  end
  chunked({ 'HDEL', KEYS[K_INDEX] }, mine)
end

-- drop deletes the jobs ids from the zset KEYS[zi] and forgets them.
local function drop(base, zi, ids)
  if #ids == 0 then return end
  local keys = {}
  for i, id in ipairs(ids) do keys[i] = base .. 'j:' .. id end
  chunked({ 'DEL' }, keys)
  forget(ids)
  chunked({ 'ZREM', KEYS[zi] }, ids)
end

-- trim_zset keeps at most maxcount members in KEYS[zi] and, when minscore
-- is given, none scored below it (at most 1,000 of each per call).
local function trim_zset(base, zi, maxcount, minscore)
  if minscore then
    drop(base, zi, redis.call('ZRANGEBYSCORE', KEYS[zi], '-inf', '(' .. minscore, 'LIMIT', 0, 1000))
  end
  local over = redis.call('ZCARD', KEYS[zi]) - maxcount
  if over > 0 then
    drop(base, zi, redis.call('ZRANGE', KEYS[zi], 0, math.min(over, 1000) - 1))
  end
end
