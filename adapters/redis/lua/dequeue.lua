-- dequeue.lua: lease pending jobs (see dequeue in fn_dequeue.lua).
-- ARGV (dequeueLayout in args_path.go): the queue header (see lib.lua),
-- then dequeue's arguments (A_TAKE_MAX ..., see fn_dequeue.lua).
check_keys(K_P1, K_P2, K_P3, K_P4, K_SCHEDULED, K_RETRYING, K_LEASE, K_WAKE, K_DEAD, K_STATS)
return dequeue()
