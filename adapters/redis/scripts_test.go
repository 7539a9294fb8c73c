package redis

import (
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
