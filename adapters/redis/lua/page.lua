-- page.lua: read one page of a queue's jobs in one state (ListJobs).
--
-- KEYS: the queue's keys (see lib.lua).
-- ARGV (pageLayout in args.go): the queue header (see lib.lua), then
-- A_STATE       state
-- A_MAX         the most jobs to return, n
-- A_CURSOR_KEY  cursor key ('' : first page): the priority (1-4) of the last
--               job listed when pending, else its score in the state's zset
-- A_CURSOR_ID   cursor ID, the last job listed ('' : first page)
-- A_REVERSE     '1' to read a zset in the other order (dead letters oldest
--               first, for the bulk repairs), else ''
--
-- Pending jobs are read from the priority lists in the order workers take
-- them: after the cursor's job while it is still pending where it was
-- (LPOS), else from the front of its priority. Scheduled, retrying and
-- running jobs are read from their zset by ascending score, failed,
-- completed and cancelled ones by descending score (newest first); ties
-- order by ID. A page continues at the cursor's rank while its job still
-- has the same score, else after (score, ID). Every read is a window of
-- at most n entries, however long the queue.
--
-- A list or zset it reads that holds another type fails the call with an
-- error naming it (check_keys).
--
-- Returns groups of 16: id, key (priority or score), then the job hash's
-- fields s, p, a, x, st, fi, l, r, e, d, raw, rf, al, h ('' when absent).
local state, n, ck, cid = ARGV[A_STATE], tonumber(ARGV[A_MAX]), ARGV[A_CURSOR_KEY], ARGV[A_CURSOR_ID]
local ZI = { scheduled = K_SCHEDULED, retrying = K_RETRYING, running = K_LEASE, failed = K_DEAD, completed = K_DONE, cancelled = K_CANCELLED }
local DESC = { failed = true, completed = true, cancelled = true }
if state == 'pending' then check_keys(K_P1, K_P2, K_P3, K_P4) elseif ZI[state] then check_keys(ZI[state]) end
local ids, keys = {}, {}
local function add(id, k)
  ids[#ids + 1] = id
  keys[#keys + 1] = k
end
if state == 'pending' then
  local p0, start = 4, 0
  if cid ~= '' then
    p0 = tonumber(ck)
    local pos = redis.call('LPOS', KEYS[p0], cid)
    if pos then start = pos + 1 end
  end
  for p = p0, 1, -1 do
    if #ids >= n then break end
    for _, id in ipairs(redis.call('LRANGE', KEYS[p], start, start + n - #ids - 1)) do add(id, tostring(p)) end
    start = 0
  end
else
  local key, desc = KEYS[ZI[state]], DESC[state]
  if ARGV[A_REVERSE] == '1' then desc = not desc end
  local r
  local sc = cid ~= '' and redis.call('ZSCORE', key, cid)
  if cid == '' or (sc and tonumber(sc) == tonumber(ck)) then
    local first = 0
    if cid ~= '' then
      first = 1 + (desc and redis.call('ZREVRANK', key, cid) or redis.call('ZRANK', key, cid))
    end
    if desc then
      r = redis.call('ZREVRANGE', key, first, first + n - 1, 'WITHSCORES')
    else
      r = redis.call('ZRANGE', key, first, first + n - 1, 'WITHSCORES')
    end
  else
    -- The cursor's job left its place: go on from its score, skipping the
    -- jobs of equal score that sort before it.
    r = {}
    local off = 0
    while #r < 2 * n do
      local batch
      if desc then
        batch = redis.call('ZREVRANGEBYSCORE', key, ck, '-inf', 'WITHSCORES', 'LIMIT', off, n)
      else
        batch = redis.call('ZRANGEBYSCORE', key, ck, '+inf', 'WITHSCORES', 'LIMIT', off, n)
      end
      if #batch == 0 then break end
      for i = 1, #batch, 2 do
        local m, s = batch[i], batch[i + 1]
        local after = tonumber(s) ~= tonumber(ck) or (desc and m < cid) or (not desc and m > cid)
        if after and #r < 2 * n then
          r[#r + 1] = m
          r[#r + 1] = s
        end
      end
      off = off + n
    end
  end
  for i = 1, #r, 2 do add(r[i], r[i + 1]) end
end
local out = {}
for i, id in ipairs(ids) do
  local f = hmget(ARGV[A_BASE] .. 'j:' .. id, 's', 'p', 'a', 'x', 'st', 'fi', 'l', 'r', 'e', 'd', 'raw', 'rf', 'al', 'h') or {}
  out[#out + 1] = id
  out[#out + 1] = keys[i]
  for k = 1, 14 do out[#out + 1] = f[k] or '' end
end
return out
