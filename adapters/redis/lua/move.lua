-- move.lua: apply state changes (see move in fn_move.lua). Returns one
-- code per change.
-- ARGV (moveLayout in args_path.go): the queue header (see lib.lua), then
-- move's arguments (A_DEAD_MAX ..., see fn_move.lua).
check_keys(K_P1, K_P2, K_P3, K_P4, K_SCHEDULED, K_RETRYING, K_LEASE, K_WAKE, K_DEAD, K_DONE, K_STATS, K_GONE, K_CANCELLED, K_INDEX)
check_move()
return move()
