package redis

import (
	"embed"
	"errors"
	"fmt"
	"regexp"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

//go:embed lua/*.lua
var luaFiles embed.FS

// Every multi-key change is one of these scripts, run with EVALSHA (script
// falls back to EVAL, which loads the script, when the server lacks it).
// The queue scripts share lua/lib.lua and the key layout it documents, and
// take the other lib_*.lua files whose helpers they call; fn_*.lua files
// hold the bodies that several scripts call.
var (
	enqueueScript     = queueScript("lib_unique.lua", "enqueue.lua")
	enqueueListScript = newScript(mustRead("enqueue_list.lua")) // its own KEYS layout
	enqueueOneScript  = newScript(mustRead("enqueue_one.lua"))  // its own KEYS layout
	dequeueScript     = queueScript("lib_jobs.lua", "fn_dequeue.lua", "dequeue.lua")
	moveScript        = queueScript("lib_jobs.lua", "lib_trim.lua", "lib_unique.lua", "fn_move.lua", "move.lua")
	cycleScript       = queueScript("lib_jobs.lua", "lib_trim.lua", "lib_unique.lua", "fn_move.lua", "fn_dequeue.lua", "cycle.lua")
	extendScript      = queueScript("extend.lua")
	isolateScript     = queueScript("isolate.lua")
	promoteScript     = queueScript("lib_jobs.lua", "lib_trim.lua", "promote.lua")
	buryScript        = queueScript("lib_jobs.lua", "bury.lua")
	pauseScript       = queueScript("pause.lua")
	pageScript        = queueScript("page.lua")
	claimScript       = queueScript("lib_unique.lua", "claim.lua")  // its own KEYS layout
	uniqueScript      = queueScript("lib_unique.lua", "unique.lua") // its own KEYS layout
	releaseScript     = newScript(mustRead("release.lua"))
	unreportScript    = newScript(mustRead("unreport.lua"))
	reportScript      = newScript(mustRead("report.lua"))
	pokeScript        = newScript(mustRead("poke.lua"))
	tickScript        = newScript(mustRead("claimtick.lua"))
)

// queueScript builds a script that works on one queue's keys: lib.lua
// followed by the named files. It panics when the script calls a helper
// of the lib files that it does not define before the call.
func queueScript(names ...string) *script {
	src := luaKeySlots() + mustRead("lib.lua")
	for _, name := range names {
		src += "\n" + mustRead(name)
	}
	if err := checkHelpers(src); err != nil {
		panic(fmt.Sprintf("jobs/adapters/redis: script %s: %v", names[len(names)-1], err))
	}
	return newScript(src)
}

// helperDef finds the helpers the lib files define: local functions and
// local upper-case tables.
var helperDef = regexp.MustCompile(`(?m)^local (?:function (\w+)\(|([A-Z]+) =)`)

// libHelpers holds the name of every helper the lib files define.
var libHelpers = func() map[string]bool {
	names := make(map[string]bool)
	for _, lib := range []string{"lib.lua", "lib_jobs.lua", "lib_trim.lua", "lib_unique.lua"} {
		for _, m := range helperDef.FindAllStringSubmatch(mustRead(lib), -1) {
			names[m[1]+m[2]] = true
		}
	}
	return names
}()

// checkHelpers reports the first helper of the lib files that src (a
// composed script) uses before defining it, or without defining it: a
// call that would fail at run time with "attempt to call a nil value".
// It reads src once, skipping comments, as package start-up runs it on
// every queue script.
func checkHelpers(src string) error {
	defined := make(map[string]bool)
	lineStart := true
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '-' && strings.HasPrefix(src[i:], "--"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			if lineStart {
				if m := helperDef.FindStringSubmatch(src[i:min(len(src), j+80)]); m != nil {
					defined[m[1]+m[2]] = true
					i += len(m[0])
					lineStart = false
					continue
				}
			}
			if name := src[i:j]; libHelpers[name] && !defined[name] {
				if strings.Contains(src[j:], "local function "+name+"(") || strings.Contains(src[j:], "local "+name+" =") {
					return fmt.Errorf("uses %s before it is defined", name)
				}
				return fmt.Errorf("uses %s, which none of its files defines", name)
			}
			i = j
		default:
			i++
		}
		lineStart = c == '\n'
	}
	return nil
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

// keyed returns err, the error of a pipeline of cmds, naming the key of
// the first command that met a key of the wrong type (repair fixes it).
func keyed(cmds []goredis.Cmder, err error) error {
	for _, c := range cmds {
		if args := c.Args(); isWrongType(c.Err()) && len(args) > 1 {
			return fmt.Errorf("key %v: %w", args[1], c.Err())
		}
	}
	return err
}
