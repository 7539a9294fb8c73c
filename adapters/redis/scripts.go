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
// The queue scripts share lua/lib.lua and the key layout it documents.
var (
	enqueueScript  = queueScript("enqueue.lua")
	dequeueScript  = queueScript("dequeue.lua")
	moveScript     = queueScript("move.lua")
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
// followed by the named file.
func queueScript(name string) *goredis.Script {
	return goredis.NewScript(mustRead("lib.lua") + "\n" + mustRead(name))
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
