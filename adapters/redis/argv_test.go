package redis

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
)

// numberedArgs returns the ARGV subscripts of code (Lua, comments
// stripped) that hold a number: ARGV[5], ARGV[o + 1], ARGV[at + 2 * i].
// A subscript made of names only (ARGV[A_NOW_US], ARGV[o + J_ID]) is fine.
func numberedArgs(code string) []string {
	var bad []string
	for i := 0; ; {
		j := strings.Index(code[i:], "ARGV[")
		if j < 0 {
			return bad
		}
		start := i + j + len("ARGV[")
		depth, end := 1, start
		for ; end < len(code) && depth > 0; end++ {
			switch code[end] {
			case '[':
				depth++
			case ']':
				depth--
			}
		}
		sub := code[start : end-1]
		if numberToken.MatchString(sub) {
			bad = append(bad, "ARGV["+sub+"]")
		}
		i = start
	}
}

// numberToken finds a numeric literal: digits not inside a name.
var numberToken = regexp.MustCompile(`(^|[^\w])\d`)

// argConstant finds the ARGV constants a script uses: a one-letter prefix
// other than K (the KEYS constants), an underscore, capitals.
var argConstant = regexp.MustCompile(`\b[A-JL-Z]_[A-Z0-9_]+\b`)

func TestNumberedArgs(t *testing.T) {
	tests := []struct {
		code string
		want []string
	}{
		{"local a = ARGV[A_NOW_US]", nil},
		{"local a = ARGV[o + J_ID], ARGV[u0 + j * U_SIZE + U_STALE]", nil},
		{"for i = A_IDS, #ARGV do x(ARGV[i]) end", nil},
		{"local a = ARGV[5]", []string{"ARGV[5]"}},
		{"local a = ARGV[o + 1]", []string{"ARGV[o + 1]"}},
		{"local a = ARGV[at + 2 * i], ARGV[A_X]", []string{"ARGV[at + 2 * i]"}},
		{"local a = ARGV[tonumber(ARGV[3])]", []string{"ARGV[tonumber(ARGV[3])]", "ARGV[3]"}},
	}
	for _, tt := range tests {
		if got := numberedArgs(tt.code); !slices.Equal(got, tt.want) {
			t.Errorf("numberedArgs(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

// argvPending holds the files still to be moved to named ARGV.
var argvPending = map[string]bool{}

// TestScriptsNameTheirArgs: no script reads ARGV by a number, every script
// file belongs to a script built with its layout, and every ARGV constant
// a script's files use is declared by that layout (the lib files use only
// the queue header's), so that the layout is written once, in Go.
func TestScriptsNameTheirArgs(t *testing.T) {
	names, err := fs.Glob(luaFiles, "lua/*.lua")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range names {
		name := strings.TrimPrefix(path, "lua/")
		if argvPending[name] {
			continue
		}
		for i, line := range strings.Split(mustRead(name), "\n") {
			for _, bad := range numberedArgs(luaCode(line)) {
				t.Errorf("lua/%s:%d reads ARGV by number: %s", name, i+1, bad)
			}
		}
		if _, ok := scriptFiles[name]; !ok && !strings.HasPrefix(name, "lib") && !strings.HasPrefix(name, "fn_") {
			t.Errorf("lua/%s is no script built with queueScript or plainScript", name)
		}
	}
	for script, src := range scriptFiles {
		declared := src.layout.constants()
		for file, code := range scriptCode(src.files) {
			for _, c := range argConstant.FindAllString(code, -1) {
				if !slices.Contains(declared, c) {
					t.Errorf("%s: lua/%s uses %s, which its layout does not declare", script, file, c)
				}
			}
		}
	}
}

// libChunks splits the lib files into their helpers: each helper's name
// and its code (comments stripped), up to the next helper.
func libChunks() map[string]string {
	chunks := make(map[string]string)
	for _, lib := range []string{"lib.lua", "lib_jobs.lua", "lib_trim.lua", "lib_unique.lua"} {
		code := luaCode(mustRead(lib))
		defs := helperDef.FindAllStringSubmatchIndex(code, -1)
		for i, d := range defs {
			end := len(code)
			if i+1 < len(defs) {
				end = defs[i+1][0]
			}
			var name string
			if d[2] >= 0 {
				name = code[d[2]:d[3]] // local function name(
			} else {
				name = code[d[4]:d[5]] // local NAME =
			}
			chunks[name] = lib + "\x00" + code[d[0]:end]
		}
	}
	return chunks
}

// scriptCode returns the code a script made of files runs, by file name:
// its own files whole, and of the lib files only the helpers it calls,
// directly or through other helpers. (A helper it does not call may read
// an ARGV constant that its layout lacks: claim.lua takes lib.lua for a
// few helpers but not the queue header.)
func scriptCode(files []string) map[string]string {
	chunks := libChunks()
	code := make(map[string]string)
	var todo []string
	for _, f := range files {
		if !strings.HasPrefix(f, "lib") {
			c := luaCode(mustRead(f))
			code[f] += c
			todo = append(todo, c)
		}
	}
	used := make(map[string]bool)
	word := regexp.MustCompile(`\w+`)
	for len(todo) > 0 {
		c := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, w := range word.FindAllString(c, -1) {
			if chunk, ok := chunks[w]; ok && !used[w] {
				used[w] = true
				lib, body, _ := strings.Cut(chunk, "\x00")
				if slices.Contains(files, lib) {
					code[lib] += body
					todo = append(todo, body)
				}
			}
		}
	}
	return code
}

// TestArgLayoutConstants: each layout gives every constant its
// position: fixed arguments from 1, the first group after them, group
// fields from 0 and the group size.
func TestArgLayoutConstants(t *testing.T) {
	for script, src := range scriptFiles {
		l := src.layout
		want := map[string]int{}
		for i, name := range l.fixed {
			want[name] = i + 1
		}
		for i, g := range l.groups {
			if i == 0 && g.start != "" {
				want[g.start] = len(l.fixed) + 1
			}
			for j, f := range g.fields {
				want[g.prefix+f] = j
			}
			want[g.prefix+"SIZE"] = len(g.fields)
		}
		got := map[string]int{}
		names, values := l.decls()
		for i, n := range names {
			if _, dup := got[n]; dup {
				t.Errorf("%s: layout declares %s twice", script, n)
			}
			got[n] = values[i]
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: layout declares %v, want %v", script, got, want)
		}
	}
}

// argAt returns where ARGV constant name is for item (from 0) of its
// group, in an ARGV of l with counts items per group: a 0-based index.
func argAt(l argLayout, counts []int, name string, item int) int {
	if i := slices.Index(l.fixed, name); i >= 0 {
		return i
	}
	at := len(l.fixed)
	for gi, g := range l.groups {
		if j := slices.Index(g.fields, strings.TrimPrefix(name, g.prefix)); strings.HasPrefix(name, g.prefix) && j >= 0 {
			return at + item*len(g.fields) + j
		}
		at += counts[gi] * len(g.fields)
	}
	return -1
}

// TestArgBuilders: each builder fills the ARGV its layout names: its
// length, and each argument at its constant's place.
func TestArgBuilders(t *testing.T) {
	now := time.Unix(1700000000, 123456789)
	until := now.Add(time.Minute)
	k := &queueKeys{name: "q", base: "jobs:{q}:"}
	h := head{k, now}
	header := map[string]any{"A_BASE": "jobs:{q}:", "A_QUEUE": "q", "A_NOW_US": micros(now), "A_NOW_NS": codec.Nanos(now)}
	retention := jobs.Retention{HistoryLimit: 3, CompletedLimit: 7, CompletedMaxAge: time.Hour, DeadLetterLimit: 9, DeadLetterMaxAge: 2 * time.Hour}
	unique := jobs.Job{ID: "u1", Queue: "q", Type: "t", State: jobs.StateScheduled, Priority: jobs.PriorityHigh,
		ExecuteAt: now.Add(time.Hour), CreatedAt: now, UniqueKey: "k", UniqueUntil: now.Add(time.Second)}
	newJob := must1(jobs.NewJob("t", []byte(`{}`), jobs.EnqueueOptions{}, now))
	type at struct {
		name string
		item int
	}
	tests := []struct {
		name   string
		layout argLayout
		argv   []any
		counts []int
		want   map[at]any
		head   bool // starts with the queue header
	}{
		{"release", releaseLayout, releaseArgs{queue: "q", ids: []string{"a", "b"}}.argv(), []int{2},
			map[at]any{{"A_QUEUE", 0}: "q", {"I_ID", 0}: "a", {"I_ID", 1}: "b"}, false},
		{"report", reportLayout, reportArgs{process: "p", report: "{}"}.argv(), nil,
			map[at]any{{"A_PROCESS", 0}: "p", {"A_REPORT", 0}: "{}"}, false},
		{"claimtick", tickLayout, tickArgs{schedule: "s", tick: "t", info: []byte("{}")}.argv(), nil,
			map[at]any{{"A_SCHEDULE", 0}: "s", {"A_TICK", 0}: "t", {"A_INFO", 0}: []byte("{}")}, false},
		{"claim", claimLayout, claimArgs{now: now, prefix: "jobs", ids: []claimID{{"i1", "q1", ""}, {"i2", "q2", "s2"}},
			unique: []claimHolder{{"h1", "10", "old"}}}.argv(), []int{2, 1},
			map[at]any{{"A_N_IDS", 0}: 2, {"A_N_UNIQUE", 0}: 1, {"A_NOW_NS", 0}: codec.Nanos(now), {"A_PREFIX", 0}: "jobs",
				{"I_ID", 1}: "i2", {"I_QUEUE", 1}: "q2", {"I_STALE", 1}: "s2", {"U_HOLDER", 0}: "h1", {"U_PX", 0}: "10", {"U_STALE", 0}: "old"}, false},
		{"unique", uniqueLayout, uniqueArgs{now: now, ops: []uniqueOp{{job: unique, op: "take"}}}.argv(), []int{1},
			map[at]any{{"A_NOW_NS", 0}: codec.Nanos(now), {"U_OP", 0}: "take", {"U_HOLDER", 0}: holder(unique), {"U_PX", 0}: "1000"}, false},
		{"extend", extendLayout, extendArgs{head: h, until: until, server: true, jobs: []leaseRef{{"a", 1}, {"b", 2}}}.argv(), []int{2},
			map[at]any{{"A_UNTIL_US", 0}: micros(until), {"A_UNTIL_NS", 0}: codec.Nanos(until), {"A_SERVER_CLOCK", 0}: "1",
				{"A_N_JOBS", 0}: 2, {"J_ID", 1}: "b", {"J_ATTEMPT", 1}: "2"}, true},
		{"isolate", isolateLayout, isolateArgs{head: h, id: "a", attempt: "3"}.argv(), nil,
			map[at]any{{"A_ID", 0}: "a", {"A_ATTEMPT", 0}: "3"}, true},
		{"pause", pauseLayout, pauseArgs{head: h, pause: true}.argv(), nil, map[at]any{{"A_PAUSE", 0}: "1"}, true},
		{"resume", pauseLayout, pauseArgs{head: h}.argv(), nil, map[at]any{{"A_PAUSE", 0}: "0"}, true},
		{"page", pageLayout, pageArgs{head: h, state: jobs.StateFailed, max: 5, after: cursor{Key: "12", ID: "c"}, reverse: true}.argv(), nil,
			map[at]any{{"A_STATE", 0}: "failed", {"A_MAX", 0}: 5, {"A_CURSOR_KEY", 0}: "12", {"A_CURSOR_ID", 0}: "c", {"A_REVERSE", 0}: "1"}, true},
		{"repair", repairLayout, repairArgs{head: h, fix: true, ids: []string{"a", "b", "c"}}.argv(), []int{3},
			map[at]any{{"A_FIX", 0}: "1", {"A_N_IDS", 0}: 3, {"I_ID", 2}: "c"}, true},
		{"promote", promoteLayout, promoteArgs{head: h, limit: 100, retention: retention}.argv(), nil,
			map[at]any{{"A_LIMIT", 0}: 100, {"A_DEAD_MAX", 0}: 9, {"A_DEAD_MIN", 0}: micros(now.Add(-2 * time.Hour)),
				{"A_DONE_MAX", 0}: 7, {"A_DONE_MIN", 0}: micros(now.Add(-time.Hour))}, true},
		{"enqueue", enqueueLayout, must1(enqueueArgs{head: h, prefix: "jobs", jobs: []jobs.Job{newJob, unique},
			unique: uniqueKeys{"jobs", "jobs:ids"}}.argv()), []int{2, 1},
			map[at]any{{"A_PREFIX", 0}: "jobs", {"A_N_JOBS", 0}: 2, {"A_N_EXTRAS", 0}: 1,
				{"J_ID", 0}: newJob.ID, {"J_PRIORITY", 0}: "2", {"J_STATE", 0}: "pending", {"J_X", 0}: codec.Nanos(newJob.ExecuteAt),
				{"J_D", 0}: must1(codec.EncodeStatic(newJob)), {"J_ID", 1}: "u1", {"J_STATE", 1}: "scheduled",
				{"E_JOB", 0}: 2, {"E_UNIQUE_KEY", 0}: "jobs:u:{jobs:ids}:k", {"E_HOLDER", 0}: holder(unique), {"E_PX", 0}: "1000"}, true},
		{"enqueue_list scheduled", listLayout, must1(listArgs{jobs: []jobs.Job{unique, unique}}.argv()), []int{2},
			map[at]any{{"A_STATE", 0}: "scheduled", {"J_ID", 1}: "u1", {"J_D", 1}: must1(codec.EncodeStatic(unique)), {"J_PRIORITY", 1}: "3",
				{"J_X", 1}: codec.Nanos(unique.ExecuteAt), {"J_SCORE", 1}: micros(unique.ExecuteAt)}, false},
		{"enqueue_one", oneLayout, must1(oneArgs{job: &newJob}.argv()), nil,
			map[at]any{{"A_D", 0}: must1(codec.StaticBytes(&newJob))}, false},
		{"dequeue", dequeueLayout, dequeueArgs{head: h, take: takeArgs{max: 16, until: until, server: true}}.argv(), nil,
			map[at]any{{"A_TAKE_MAX", 0}: 16, {"A_UNTIL_US", 0}: micros(until), {"A_UNTIL_NS", 0}: codec.Nanos(until), {"A_SERVER_CLOCK", 0}: "1"}, true},
		{"bury", buryLayout, buryArgs{head: h, jobs: []buried{{"a", "1", "t", "why", "d"}}}.argv(), []int{1},
			map[at]any{{"A_N_JOBS", 0}: 1, {"J_ID", 0}: "a", {"J_ATTEMPT", 0}: "1", {"J_TYPE", 0}: "t", {"J_WHY", 0}: "why", {"J_FIELDS", 0}: "d"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := tt.layout.size(tt.counts...); len(tt.argv) != n {
				t.Fatalf("argv has %d arguments, its layout %d: %v", len(tt.argv), n, tt.argv)
			}
			want := tt.want
			if tt.head {
				for name, v := range header {
					want[at{name, 0}] = v
				}
			}
			named := make([]bool, len(tt.argv))
			for a, v := range want {
				i := argAt(tt.layout, tt.counts, a.name, a.item)
				if i < 0 || i >= len(tt.argv) {
					t.Errorf("%s (item %d) is not in the layout", a.name, a.item)
					continue
				}
				named[i] = true
				if fmt.Sprint(tt.argv[i]) != fmt.Sprint(v) {
					t.Errorf("ARGV[%s] (item %d) = %v, want %v", a.name, a.item, tt.argv[i], v)
				}
			}
			for _, name := range tt.layout.fixed {
				if !named[slices.Index(tt.layout.fixed, name)] {
					t.Errorf("the test does not check %s", name)
				}
			}
		})
	}
}
