package redis

import (
	"embed"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/jobsgo/jobs"

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
	enqueueScript     = queueScript(enqueueLayout, "lib_unique.lua", "enqueue.lua")
	enqueueListScript = plainScript(listLayout, "enqueue_list.lua") // its own KEYS layout
	enqueueOneScript  = plainScript(oneLayout, "enqueue_one.lua")   // its own KEYS layout
	dequeueScript     = queueScript(dequeueLayout, "lib_jobs.lua", "fn_dequeue.lua", "dequeue.lua")
	waitTakeScript    = queueScript(dequeueLayout, "lib_jobs.lua", "fn_dequeue.lua", "wait_take.lua") // KEYS: the queue's, then a live key
	moveScript        = queueScript(moveLayout, "lib_jobs.lua", "lib_trim.lua", "lib_unique.lua", "fn_move.lua", "move.lua")
	cycleScript       = queueScript(cycleLayout, "lib_jobs.lua", "lib_trim.lua", "lib_unique.lua", "fn_move.lua", "fn_dequeue.lua", "cycle.lua")
	extendScript      = queueScript(extendLayout, "extend.lua")
	isolateScript     = queueScript(isolateLayout, "isolate.lua")
	promoteScript     = queueScript(promoteLayout, "lib_jobs.lua", "lib_trim.lua", "promote.lua")
	buryScript        = queueScript(buryLayout, "lib_jobs.lua", "bury.lua")
	pauseScript       = queueScript(pauseLayout, "pause.lua")
	pageScript        = queueScript(pageLayout, "page.lua")
	claimScript       = queueScript(claimLayout, "lib_unique.lua", "claim.lua")   // its own KEYS layout
	uniqueScript      = queueScript(uniqueLayout, "lib_unique.lua", "unique.lua") // its own KEYS layout
	releaseScript     = plainScript(releaseLayout, "release.lua")
	unreportScript    = plainScript(reportLayout, "unreport.lua")
	reportScript      = plainScript(reportLayout, "report.lua")
	pokeScript        = plainScript(pokeLayout, "poke.lua")
	tickScript        = plainScript(tickLayout, "claimtick.lua")
)

// scriptFiles records, for each script built by queueScript or
// plainScript, the Lua files it is made of (its own file last) and its
// ARGV layout, by its own file's name: the tests check each file against
// the layout of every script that takes it.
var scriptFiles = map[string]scriptSource{}

// scriptSource is what a script is made of.
type scriptSource struct {
	files  []string
	layout argLayout
}

// queueScript builds a script that works on one queue's keys: lib.lua,
// then the named files, with the constants of the KEYS layout (keySlots)
// and of the ARGV layout written in (inlineConstants). It panics when the
// script calls a helper of the lib files that it does not define before
// the call.
func queueScript(layout argLayout, names ...string) *script {
	src := mustRead("lib.lua")
	for _, name := range names {
		src += "\n" + mustRead(name)
	}
	if err := checkHelpers(src); err != nil {
		panic(fmt.Sprintf("jobs/adapters/redis: script %s: %v", names[len(names)-1], err))
	}
	scriptFiles[names[len(names)-1]] = scriptSource{files: append([]string{"lib.lua"}, names...), layout: layout}
	return newScript(inlineConstants(src, keyConstants(), layout.values()))
}

// plainScript builds a script of its own KEYS layout from the file name,
// with the constants of the ARGV layout written in.
func plainScript(layout argLayout, name string) *script {
	scriptFiles[name] = scriptSource{files: []string{name}, layout: layout}
	return newScript(inlineConstants(mustRead(name), layout.values()))
}

// constantName matches the names of the layouts' constants (K_LEASE,
// A_BASE, C_SIZE, ...).
var constantName = regexp.MustCompile(`\b[A-Z]_[A-Z0-9_]+\b`)

// inlineConstants returns the code of src (luaCode) with each constant of
// the layouts written as its number. Held in locals, the constants would
// be upvalues of every helper that reads them, which Lua looks up in a
// list each time the script runs and defines its helpers (callgrind: 14.5k
// of the 92k server instructions of an empty dequeue.lua's prologue). A
// name no layout declares is left as it is: only lib helpers that the
// script never calls use such names (TestScriptsNameTheirArgs).
func inlineConstants(src string, layouts ...map[string]int) string {
	return constantName.ReplaceAllStringFunc(luaCode(src), func(name string) string {
		for _, l := range layouts {
			if v, ok := l[name]; ok {
				return strconv.Itoa(v)
			}
		}
		return name
	})
}

// luaCode returns the code of src, each line without its comment (no
// script has "--" in a string).
func luaCode(src string) string {
	lines := strings.Split(src, "\n")
	for i, line := range lines {
		lines[i], _, _ = strings.Cut(line, "--")
	}
	return strings.Join(lines, "\n")
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

// waitBoundsName is the name a script file writes where it takes the
// table of wait-bucket bounds (waitBounds).
const waitBoundsName = "GENERATED_WAIT_BOUNDS"

// waitBounds is the Lua table of the upper bounds of the wait buckets in
// microseconds, jobs.WaitBucketBound(0) .. WaitBucketBound(n-2) (the last
// bucket has none): the dequeue scripts count each job they lease in its
// bucket, and readers of the histogram go by the Go table.
var waitBounds = luaWaitBounds()

// luaWaitBounds builds waitBounds.
func luaWaitBounds() string {
	var b strings.Builder
	b.WriteString("{")
	for i := range jobs.WaitBuckets - 1 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(jobs.WaitBucketBound(i).Microseconds(), 10))
	}
	b.WriteString("}")
	return b.String()
}

func mustRead(name string) string {
	b, err := luaFiles.ReadFile("lua/" + name)
	if err != nil {
		panic("jobs/adapters/redis: missing embedded script " + name)
	}
	return strings.ReplaceAll(string(b), waitBoundsName, waitBounds)
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
