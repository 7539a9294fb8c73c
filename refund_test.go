package jobs

import (
	"testing"
	"time"
)

// TestLeaseExpiryChargesOnlyJobsThatRanAlone walks a job through lease
// expiries: one beside other jobs refunds the attempt whatever the retries
// left, one while the job ran alone counts it, and the job reaches the
// dead-letter queue after MaxRetries+1 counted attempts.
func TestLeaseExpiryChargesOnlyJobsThatRanAlone(t *testing.T) {
	tests := []struct {
		name         string
		alone        []bool // one expiry per entry, the attempt isolated or not
		wantState    State
		wantAttempt  int
		wantRefunded int
		wantLeft     int
	}{
		{"beside others", []bool{false}, StatePending, 1, 1, 3},
		{"beside others again and again", []bool{false, false, false, false, false}, StatePending, 5, 5, 3},
		{"alone", []bool{true}, StatePending, 1, 0, 2},
		{"alone until out of retries", []bool{true, true, true}, StateFailed, 3, 0, 0},
		{"refunded, then alone until out of retries", []bool{false, true, false, true, true}, StateFailed, 5, 2, 0},
		{"alone twice then beside others", []bool{true, true, false}, StatePending, 3, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := jobIn(StatePending)
			j.Attempt = 0 // MaxRetries 2
			for i, alone := range tt.alone {
				var err error
				if j, err = j.Start(t0, t0.Add(time.Minute)); err != nil {
					t.Fatalf("expiry %d: %v", i, err)
				}
				if alone {
					if j, err = j.Isolate(); err != nil {
						t.Fatalf("expiry %d: isolate: %v", i, err)
					}
				}
				if j, err = j.ExpireLease(t0.Add(2 * time.Minute)); err != nil {
					t.Fatalf("expiry %d: %v", i, err)
				}
				if j.Alone {
					t.Fatalf("expiry %d: the job is still marked as running alone", i)
				}
			}
			if j.State != tt.wantState || j.Attempt != tt.wantAttempt || j.Refunded != tt.wantRefunded || j.RetriesLeft() != tt.wantLeft {
				t.Fatalf("%s, attempt %d, refunded %d, %d retries left; want %s, %d, %d, %d",
					j.State, j.Attempt, j.Refunded, j.RetriesLeft(), tt.wantState, tt.wantAttempt, tt.wantRefunded, tt.wantLeft)
			}
			if j.Suspect() != (tt.wantRefunded > 0) {
				t.Fatalf("Suspect() = %v with %d refunded attempts", j.Suspect(), j.Refunded)
			}
		})
	}
}
