package redis

import (
	"regexp"
	"strings"
	"testing"
)

func TestCheckHelpers(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  string // part of the error, "" for none
	}{
		{"enqueue as built", []string{"lib.lua", "lib_unique.lua", "enqueue.lua"}, ""},
		{"cycle as built", []string{"lib.lua", "lib_jobs.lua", "lib_trim.lua", "lib_unique.lua", "fn_move.lua", "fn_dequeue.lua", "cycle.lua"}, ""},
		{"move without its trim helpers", []string{"lib.lua", "lib_jobs.lua", "lib_unique.lua", "fn_move.lua", "move.lua"}, "uses forget, which none"},
		{"enqueue without lib_unique", []string{"lib.lua", "enqueue.lua"}, "uses unique_holder, which none"},
		{"helpers after their caller", []string{"lib.lua", "fn_dequeue.lua", "lib_jobs.lua", "dequeue.lua"}, "before it is defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var src []string
			for _, f := range tt.files {
				src = append(src, mustRead(f))
			}
			err := checkHelpers(strings.Join(src, "\n"))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("checkHelpers: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("checkHelpers = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestQueueScriptsNameTheirKeys: the queue scripts address their keys by
// the constants keySlots defines (KEYS[K_LEASE]), never by a number, so
// that the layout is written once, in keys.go.
func TestQueueScriptsNameTheirKeys(t *testing.T) {
	numbered := regexp.MustCompile(`KEYS\[\d`)
	for _, name := range []string{"lib.lua", "lib_jobs.lua", "lib_trim.lua", "enqueue.lua", "fn_dequeue.lua", "dequeue.lua",
		"fn_move.lua", "move.lua", "cycle.lua", "extend.lua", "isolate.lua", "promote.lua", "bury.lua", "pause.lua", "page.lua", "repair.lua"} {
		for i, line := range strings.Split(mustRead(name), "\n") {
			code, _, _ := strings.Cut(line, "--")
			if numbered.MatchString(code) {
				t.Errorf("lua/%s:%d addresses a key by number: %s", name, i+1, strings.TrimSpace(line))
			}
		}
	}
	consts := keyConstants()
	for i, s := range keySlots {
		if consts[s.lua] != i+1 {
			t.Errorf("%s is KEYS[%d], want KEYS[%d]", s.lua, consts[s.lua], i+1)
		}
	}
}
