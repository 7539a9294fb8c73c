-- move.lua: apply state changes (see move in fn_move.lua); its arguments
-- start at ARGV[5]. Returns one code per change.
check_keys(K_P1, K_P2, K_P3, K_P4, K_SCHEDULED, K_RETRYING, K_LEASE, K_WAKE, K_DEAD, K_DONE, K_STATS, K_GONE, K_CANCELLED, K_INDEX)
check_move(5)
return move(5)
