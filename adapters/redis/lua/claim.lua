-- claim.lua: reserve job IDs in the ID index, and the unique keys of
-- unique jobs, before their jobs are stored (cluster mode, where one script
-- cannot touch the index and a queue). lib.lua is prepended for its
-- helpers only; the KEYS layout here is its own.
--
-- KEYS[1]     the ID index <prefix>:ids, hash id -> "<server ms> <queue>"
-- KEYS[2..m+1] unique-key holders <prefix>:u:{<prefix>:ids}:<key> (the index's slot)
-- ARGV (claimLayout in args.go):
-- A_N_IDS     number of IDs n
-- A_N_UNIQUE  number of unique keys m
-- A_NOW_NS    now (unix nanoseconds, the backend's clock)
-- A_PREFIX    key prefix on a standalone server, where the holder jobs of
--             unique keys can be read here; '' on a cluster
-- from A_IDS, n groups of I_SIZE: I_ID id, I_QUEUE queue, I_STALE value
--             the caller found stale and may replace ('' : none)
-- then m groups of U_SIZE: U_HOLDER holder string "<id> <queue> <until
--             ns or 0>", U_PX PX milliseconds ('' : no TTL), U_STALE
--             holder string the caller found stale and may replace ('' : none)
--
-- All or none: when any ID or unique key is held, nothing is claimed and
-- the script returns groups of 4 for each: { 'id', id, value, age ms } for
-- an ID held (by a value other than the stale one given), { 'u', j, holder
-- string, age } for the j-th unique key (from 1) held: age 'held' when it
-- is held for certain, else (its holder has no TTL and the script could
-- not read that job: cluster) the age in ms of the holder ID's index
-- entry, or '-1' when it has none, for the caller to check whether the
-- holder is active or an enqueue in flight. Otherwise it claims all and
-- returns {}. Out of memory (see lib.lua) its first write, an HSET, is
-- refused: a full Redis claims nothing.
local n, m, now_ns = tonumber(ARGV[A_N_IDS]), tonumber(ARGV[A_N_UNIQUE]), ARGV[A_NOW_NS]
local prefix = ARGV[A_PREFIX] ~= '' and ARGV[A_PREFIX] or nil
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = {}
for i = 0, n - 1 do
  local o = A_IDS + i * I_SIZE
  local id, stale = ARGV[o + I_ID], ARGV[o + I_STALE]
  local v = redis.call('HGET', KEYS[1], id)
  if v and v ~= stale then
    held[#held + 1] = 'id'
    held[#held + 1] = id
    held[#held + 1] = v
    held[#held + 1] = tostring(now - (tonumber(string.match(v, '^(%d+) ')) or 0))
  end
end
local u0 = A_IDS + n * I_SIZE -- the first unique key's group
for j = 0, m - 1 do
  local v = redis.call('GET', KEYS[2 + j])
  if v and v ~= ARGV[u0 + j * U_SIZE + U_STALE] then
    local holder, unsure = unique_holder(v, now_ns, prefix)
    if holder then
      local age = 'held'
      if unsure then
        local iv = redis.call('HGET', KEYS[1], holder)
        age = iv and tostring(now - (tonumber(string.match(iv, '^(%d+) ')) or 0)) or '-1'
      end
      held[#held + 1] = 'u'
      held[#held + 1] = tostring(j + 1)
      held[#held + 1] = v
      held[#held + 1] = age
    end
  end
end
if #held > 0 then return held end
for i = 0, n - 1 do
  local o = A_IDS + i * I_SIZE
  redis.call('HSET', KEYS[1], ARGV[o + I_ID], tostring(now) .. ' ' .. ARGV[o + I_QUEUE])
end
for j = 0, m - 1 do
  local o = u0 + j * U_SIZE
  unique_set(KEYS[2 + j], ARGV[o + U_HOLDER], ARGV[o + U_PX])
end
return {}
