package redis

import (
	"embed"
	"errors"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

//go:embed lua/*.lua
var luaFiles embed.FS

// Every multi-key change is one of these scripts, run with EVALSHA (go-redis
// falls back to EVAL, which loads the script, when the server lacks it).
// The queue scripts share lua/lib.lua and the key layout it documents;
// fn_*.lua files hold the bodies that several scripts call.
var (
	enqueueScript  = queueScript("enqueue.lua")
	dequeueScript  = queueScript("fn_dequeue.lua", "dequeue.lua")
	moveScript     = queueScript("fn_move.lua", "move.lua")
	cycleScript    = queueScript("fn_move.lua", "fn_dequeue.lua", "cycle.lua")
	extendScript   = queueScript("extend.lua")
	promoteScript  = queueScript("promote.lua")
	buryScript     = queueScript("bury.lua")
	pauseScript    = queueScript("pause.lua")
	pageScript     = queueScript("page.lua")
	claimScript    = queueScript("claim.lua")  // lib.lua for its helpers only
	uniqueScript   = queueScript("unique.lua") // lib.lua for its helpers only
	releaseScript  = goredis.NewScript(mustRead("release.lua"))
	unreportScript = goredis.NewScript(mustRead("unreport.lua"))
	tickScript     = goredis.NewScript(mustRead("claimtick.lua"))
)

// queueScript builds a script that works on one queue's keys: lib.lua
// followed by the named files.
func queueScript(names ...string) *goredis.Script {
	src := mustRead("lib.lua")
	for _, name := range names {
		src += "\n" + mustRead(name)
	}
	return goredis.NewScript(src)
}

func mustRead(name string) string {
	b, err := luaFiles.ReadFile("lua/" + name)
	if err != nil {
		panic("jobs/adapters/redis: missing embedded script " + name)
	}
	return string(b)
}

// isNoScript reports whether err says the server does not have a script
// (only pipelined EVALSHA calls see it; Script.Run handles it itself).
func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

// isNil reports whether err says a key or field does not exist.
func isNil(err error) bool { return errors.Is(err, goredis.Nil) }

// isWrongType reports whether err says a key holds another type than the
// command expects (a job key overwritten with garbage).
func isWrongType(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE")
}
