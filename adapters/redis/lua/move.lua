-- move.lua: apply state changes (see move in fn_move.lua); its arguments
-- start at ARGV[5]. Returns one code per change.
return move(5)
