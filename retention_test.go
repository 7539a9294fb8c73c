package jobs

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRetentionValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Retention)
		want   string // "" for valid
	}{
		{"defaults", func(*Retention) {}, ""},
		{"no completed jobs kept", func(r *Retention) { r.CompletedLimit = 0 }, ""},
		{"history 0", func(r *Retention) { r.HistoryLimit = 0 }, "history limit (WithHistoryLimit) is 0, must be at least 1"},
		{"completed -1", func(r *Retention) { r.CompletedLimit = -1 }, "completed limit (WithCompletedLimit) is -1, must be 0 or more"},
		{"completed age 0", func(r *Retention) { r.CompletedMaxAge = 0 }, "completed max age (WithCompletedMaxAge) is 0s, must be positive"},
		{"dead letters 0", func(r *Retention) { r.DeadLetterLimit = 0 }, "dead-letter limit (WithDeadLetterLimit) is 0, must be at least 1"},
		{"dead-letter age negative", func(r *Retention) { r.DeadLetterMaxAge = -time.Hour }, "dead-letter max age (WithDeadLetterMaxAge) is -1h0m0s, must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DefaultRetention()
			tt.change(&r)
			err := r.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want ErrInvalidOption saying %q", err, tt.want)
			}
		})
	}
}
