package redis

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// TestInvalidOptionsRefused: New refuses an option value out of range with
// an error matching jobs.ErrInvalidOption that names the option, the same
// check and words as the memory backend (jobs.Retention.Validate). No
// server is needed: New fails before it dials.
func TestInvalidOptionsRefused(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want string
	}{
		{"history 0", WithHistoryLimit(0), "history limit (WithHistoryLimit) is 0"},
		{"completed -1", WithCompletedLimit(-1), "completed limit (WithCompletedLimit) is -1"},
		{"completed age 0", WithCompletedMaxAge(0), "completed max age (WithCompletedMaxAge) is 0s"},
		{"dead letters 0", WithDeadLetterLimit(0), "dead-letter limit (WithDeadLetterLimit) is 0"},
		{"dead-letter age negative", WithDeadLetterMaxAge(-time.Second), "dead-letter max age (WithDeadLetterMaxAge) is -1s"},
		{"empty prefix", WithPrefix(""), `prefix "" (WithPrefix)`},
		{"prefix with a brace", WithPrefix("a{b"), `prefix "a{b" (WithPrefix)`},
		{"block timeout 0", WithBlockTimeout(0), "block timeout (WithBlockTimeout) is 0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(WithURL("redis://127.0.0.1:1/0"), tt.opt)
			if err == nil {
				b.Close()
				t.Fatal("New accepted the option")
			}
			if !errors.Is(err, jobs.ErrInvalidOption) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want jobs.ErrInvalidOption saying %q", err, tt.want)
			}
		})
	}
}
