package jobs

import (
	"strings"
	"testing"
	"time"
)

func TestAttemptLogBounds(t *testing.T) {
	long := strings.Repeat("é", maxAttemptMessage) // 2 bytes a character
	tests := []struct {
		name     string
		attempts int
		msg      string
		wantLen  int
		wantMsg  string
	}{
		{"one", 1, "boom", 1, "boom"},
		{"exactly the bound", MaxAttemptRecords, "boom", MaxAttemptRecords, "boom"},
		{"over the bound keeps the last", MaxAttemptRecords + 5, "boom", MaxAttemptRecords, "boom"},
		{"long message cut on a character boundary", 2, long, 2, strings.Repeat("é", maxAttemptMessage/2)},
		{"odd cut", 1, "x" + long, 1, "x" + strings.Repeat("é", maxAttemptMessage/2-1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := jobIn(StatePending)
			j.Attempt, j.MaxRetries = 0, tt.attempts
			var before []Job
			for range tt.attempts {
				var err error
				if j, err = j.Start(t0, t0.Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
				j, err = j.PrepareRetry(JobError{Type: "e", Message: tt.msg, Stacktrace: "goroutine 1"}, t0, t0)
				if err != nil {
					t.Fatal(err)
				}
				before = append(before, j)
				if j, err = j.Promote(t0); err != nil {
					t.Fatal(err)
				}
			}
			log := j.AttemptLog
			if len(log) != tt.wantLen {
				t.Fatalf("log has %d records, want %d", len(log), tt.wantLen)
			}
			last := log[len(log)-1]
			if last.Attempt != j.Attempt || last.Error == nil || last.Error.Message != tt.wantMsg || last.Error.Stacktrace != "" {
				t.Fatalf("last record attempt %d (job at %d), error %+v", last.Attempt, j.Attempt, last.Error)
			}
			if first := log[0].Attempt; first != j.Attempt-tt.wantLen+1 {
				t.Fatalf("oldest record kept is attempt %d, want %d", first, j.Attempt-tt.wantLen+1)
			}
			// Earlier copies of the job keep the log they had.
			for i, b := range before {
				if n := min(i+1, MaxAttemptRecords); len(b.AttemptLog) != n || b.AttemptLog[n-1].Attempt != i+1 {
					t.Fatalf("copy after attempt %d: log %+v changed", i+1, b.AttemptLog)
				}
			}
		})
	}
}
