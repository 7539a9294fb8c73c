package redis

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestAckStoresWhatItsTransitionSets checks that the fields an Ack stores
// (ackChange's field set) cover every field of the job hash that the
// outcome's transition changes, so that no change is lost on the way.
func TestAckStoresWhatItsTransitionSets(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	leased := jobs.Job{ID: "j", Type: "t", Queue: "q", Priority: jobs.PriorityNormal, State: jobs.StateRunning,
		Attempt: 2, MaxRetries: 5, ExecuteAt: now.Add(-time.Hour), CreatedAt: now.Add(-2 * time.Hour),
		StartedAt: now.Add(-time.Minute), LeaseUntil: now.Add(time.Minute),
		Error: &jobs.JobError{Message: "attempt 1 failed", Type: "x"}}
	outcomes := map[string]func() (jobs.Job, error){
		"complete": func() (jobs.Job, error) { return leased.Complete(json.RawMessage(`{"ok":true}`), now) },
		"retry": func() (jobs.Job, error) {
			return leased.PrepareRetry(jobs.JobError{Message: "again"}, now.Add(time.Second), now)
		},
		"fail":    func() (jobs.Job, error) { return leased.Fail(jobs.JobError{Message: "no"}, now) },
		"release": func() (jobs.Job, error) { return leased.Release(now) },
		"cancel":  func() (jobs.Job, error) { return leased.Cancel(now) },
	}
	b := &Backend{clock: backendtest.NewClock(now)}
	before, _, err := codec.AppendMutable(nil, leased, 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, outcome := range outcomes {
		t.Run(name, func(t *testing.T) {
			out, err := outcome()
			if err != nil {
				t.Fatal(err)
			}
			c, err := b.ackChange(out)
			if err != nil {
				t.Fatal(err)
			}
			after, _, err := codec.AppendMutable(nil, out, 0)
			if err != nil {
				t.Fatal(err)
			}
			stored, _, err := codec.AppendMutable(nil, out, c.fields)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(after); i += 2 {
				if after[i+1] != before[i+1] && !slices.Contains(stored, after[i]) {
					t.Errorf("the transition sets field %s (%v -> %v), which the ack does not store", after[i], before[i+1], after[i+1])
				}
			}
		})
	}
}
