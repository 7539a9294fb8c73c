-- dequeue.lua: lease pending jobs (see dequeue in fn_dequeue.lua); its
-- arguments start at ARGV[5].
return dequeue(5)
