-- unique.lua: free or retake unique keys after their jobs moved (cluster
-- mode, where the queue scripts cannot reach the index's slot; standalone
-- move.lua does this itself). lib.lua is prepended for its helpers only.
--
-- KEYS[1..n]  unique-key holders <prefix>:u:{<prefix>:ids}:<key>
-- ARGV (uniqueLayout in args.go):
-- A_NOW_NS    now (unix nanoseconds, the backend's clock)
-- from A_OPS, n groups of U_SIZE, one per key: U_OP op ('free' or
--             'take'), U_HOLDER the job's holder string "<id> <queue>
--             <until ns or 0>", U_PX PX milliseconds ('' : no TTL)
--
-- 'free' deletes a holder string equal to the job's; 'take' makes the job
-- the holder again unless a job with a TTL holds the key, or one without
-- (whose state this script cannot see). Returns 0.
--
-- The frees go first: out of memory (see lib.lua) a take's SET is refused
-- while the script has not written, and fails the whole script, so the
-- frees are not held up by it (the job taken back then runs without its
-- key, as when another job holds it).
for i = 1, #KEYS do check_key(KEYS[i], 'string') end
for _, op in ipairs({ 'free', 'take' }) do
  for i = 1, #KEYS do
    local o = A_OPS + (i - 1) * U_SIZE
    if ARGV[o + U_OP] == op then unique_apply(KEYS[i], op, ARGV[o + U_HOLDER], ARGV[o + U_PX], ARGV[A_NOW_NS], nil) end
  end
end
return 0
