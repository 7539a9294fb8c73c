package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/admin"
)

// TestQueuesMarkUnserved checks that jobs queues and jobs stats mark a
// queue that holds pending jobs while no live worker serves it: the
// fixture's emails queue has workers, reports has no pending job, and a job
// is enqueued to nowhere, which no worker serves.
func TestQueuesMarkUnserved(t *testing.T) {
	tests := []struct {
		name   string
		pause  bool
		status string
	}{
		{"active", false, "unserved"},
		{"paused", true, "paused,unserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := fixture(t)
			j, err := jobs.NewJob("email.send", []byte(`{}`), jobs.ResolveEnqueueOptions(jobs.WithQueue("nowhere")), b.Clock().Now())
			if err == nil {
				err = b.Enqueue(t.Context(), j)
			}
			if err == nil && tt.pause {
				err = b.PauseQueue(t.Context(), "nowhere")
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"queues"}, {"stats"}} {
				out := runWith(t.Context(), b, args, nil)
				want := map[string]string{"emails": "active", "reports": "active", "nowhere": tt.status}
				for line := range strings.Lines(out.stdout) {
					f := strings.Fields(line)
					if len(f) > 1 && want[f[0]] != "" {
						if f[1] != want[f[0]] {
							t.Errorf("jobs %s: queue %s has status %s; want %s", args[0], f[0], f[1], want[f[0]])
						}
						delete(want, f[0])
					}
				}
				if len(want) > 0 {
					t.Errorf("jobs %s: no row for %v in\n%s", args[0], want, out.stdout)
				}
			}
			out := runWith(t.Context(), b, []string{"--json", "queues"}, nil)
			var queues []admin.QueueStats
			if err := json.Unmarshal([]byte(out.stdout), &queues); err != nil {
				t.Fatalf("jobs --json queues: %v\n%s", err, out.stdout)
			}
			for _, q := range queues {
				if q.Unserved != (q.Name == "nowhere") {
					t.Errorf("jobs --json queues: queue %s unserved=%v", q.Name, q.Unserved)
				}
			}
		})
	}
}
