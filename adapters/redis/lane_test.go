package redis

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/jobsgo/jobs/runtime"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestLaneCycle runs one lane batch that stores outcomes and leases jobs
// for two Dequeue calls: the outcomes and the first take share one
// cycle.lua call, the second take runs alone, and every op gets its own
// answer, a corrupt job being buried on the way.
func TestLaneCycle(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprintf("cluster=%v", cluster), func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock, withCluster(cluster))
			ctx := context.Background()
			var jobs []runtime.Job
			for i := 1; i <= 5; i++ {
				jobs = append(jobs, job(t, clock, fmt.Sprint("j", i), "q"))
			}
			must(t, b.Enqueue(ctx, jobs...))
			running := dequeue(t, b, "q", 2) // j1, j2
			k := b.queue("q")
			must(t, b.client.HSet(ctx, k.job("j4"), "d", "{not json").Err())

			clock.Advance(time.Second)
			done, err := running[0].Complete([]byte(`"ok"`), clock.Now())
			must(t, err)
			stale, err := running[1].Complete(nil, clock.Now())
			must(t, err)
			ack := func(j runtime.Job, attempt int) laneOp {
				return laneOp{change: &change{job: j, expect: runtime.StateRunning, attempt: strconv.Itoa(attempt),
					state: runtime.StateCompleted, outcome: "ok", history: true}}
			}
			ops := []laneOp{
				ack(done, done.Attempt),
				{take: &takeRequest{limit: 2, lease: time.Minute}},
				ack(stale, stale.Attempt+1), // not the attempt that runs
				{take: &takeRequest{limit: 5, lease: time.Minute}},
			}
			res, err := b.flushLane(ctx, "q", ops)
			must(t, err)
			if res[0].code != 1 || res[2].code != 0 {
				t.Fatalf("codes %d and %d, want 1 (applied) and 0 (refused)", res[0].code, res[2].code)
			}
			ids := func(r laneResult) string {
				must(t, r.err)
				var s []string
				for _, j := range r.taken.jobs {
					if j.State != runtime.StateRunning || j.Attempt != 1 || !j.LeaseUntil.Equal(clock.Now().Add(time.Minute)) {
						t.Errorf("leased job %s: %s attempt %d lease %v", j.ID, j.State, j.Attempt, j.LeaseUntil)
					}
					s = append(s, j.ID)
				}
				return fmt.Sprintf("%v popped %d", s, r.taken.popped)
			}
			if got := ids(res[1]); got != "[j3] popped 2" {
				t.Errorf("first take: %s, want [j3] popped 2 (j4 is corrupt)", got)
			}
			if got := ids(res[3]); got != "[j5] popped 1" {
				t.Errorf("second take: %s, want [j5] popped 1", got)
			}
			for id, want := range map[string]runtime.State{"j1": runtime.StateCompleted, "j2": runtime.StateRunning, "j4": runtime.StateFailed} {
				j, err := b.Job(ctx, id)
				must(t, err)
				if j.State != want {
					t.Errorf("%s is %s, want %s", id, j.State, want)
				}
			}
		})
	}
}
