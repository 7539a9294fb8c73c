-- dequeue.lua: lease pending jobs (see dequeue in fn_dequeue.lua); its
-- arguments start at ARGV[5].
check_keys(1, 2, 3, 4, 5, 6, 7, 8, 9, 11)
return dequeue(5)
