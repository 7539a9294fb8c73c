-- dequeue.lua: lease pending jobs (see dequeue in fn_dequeue.lua).
-- ARGV (dequeueLayout in args_path.go): the queue header (see lib.lua),
-- then dequeue's arguments (A_TAKE_MAX ..., see fn_dequeue.lua). dequeue
-- checks the keys it writes itself (false: not checked yet).
return dequeue(false)
