-- move.lua: apply state changes (see move in fn_move.lua); its arguments
-- start at ARGV[5]. Returns one code per change.
check_keys(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15)
check_move(5)
return move(5)
