-- dequeue.lua: lease pending jobs (see dequeue in fn_dequeue.lua); its
-- arguments start at ARGV[5].
check_keys(K_P1, K_P2, K_P3, K_P4, K_SCHEDULED, K_RETRYING, K_LEASE, K_WAKE, K_DEAD, K_STATS)
return dequeue(5)
