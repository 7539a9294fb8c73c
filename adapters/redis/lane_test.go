package redis

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestLaneCycle runs one lane batch that stores outcomes and leases jobs
// for three takes: the outcomes and the takes of one lease length share
// one cycle.lua call and deal its jobs out in order, the take of another
// length runs alone, and every op gets its own answer, a corrupt job being
// buried on the way.
func TestLaneCycle(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprintf("cluster=%v", cluster), func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock, withCluster(cluster))
			ctx := context.Background()
			var batch []jobs.Job
			for i := 1; i <= 6; i++ {
				batch = append(batch, job(t, clock, fmt.Sprint("j", i), "q"))
			}
			must(t, b.Enqueue(ctx, batch...))
			running := dequeue(t, b, "q", 2) // j1, j2
			k := b.queue("q")
			must(t, b.client.HSet(ctx, k.job("j4"), "d", "{not json").Err())

			clock.Advance(time.Second)
			done, err := running[0].Complete([]byte(`"ok"`), clock.Now())
			must(t, err)
			stale, err := running[1].Complete(nil, clock.Now())
			must(t, err)
			ack := func(j jobs.Job, attempt int) *change {
				return &change{job: j, expect: jobs.StateRunning, attempt: strconv.Itoa(attempt),
					state: jobs.StateCompleted, outcome: "ok", history: true}
			}
			ops := []laneOp{
				{change: ack(done, done.Attempt), take: &takeRequest{limit: 1, lease: time.Minute}},
				{take: &takeRequest{limit: 5, lease: 2 * time.Minute}}, // another lease: alone
				{change: ack(stale, stale.Attempt+1)},                  // not the attempt that runs
				{take: &takeRequest{limit: 1, lease: time.Minute}},
			}
			res, err := b.flushLane(ctx, "q", ops)
			must(t, err)
			if res[0].code != 1 || res[2].code != 0 {
				t.Fatalf("codes %d and %d, want 1 (applied) and 0 (refused)", res[0].code, res[2].code)
			}
			for i, want := range map[int]string{
				0: "[j3] popped 1",             // the first of the shared lease
				3: "[] popped 1",               // j4 was corrupt: told to look again
				1: "[j5 j6] popped 2 lease 2m", // alone, with its own lease
			} {
				r := res[i]
				must(t, r.err)
				var ids []string
				for _, j := range r.taken.jobs {
					if j.State != jobs.StateRunning || j.Attempt != 1 || !j.LeaseUntil.Equal(clock.Now().Add(ops[i].take.lease)) {
						t.Errorf("op %d leased job %s: %s attempt %d lease %v", i, j.ID, j.State, j.Attempt, j.LeaseUntil)
					}
					ids = append(ids, j.ID)
				}
				got := fmt.Sprintf("%v popped %d", ids, r.taken.popped)
				if ops[i].take.lease != time.Minute {
					got += " lease 2m"
				}
				if got != want {
					t.Errorf("op %d: %s, want %s", i, got, want)
				}
			}
			for id, want := range map[string]jobs.State{"j1": jobs.StateCompleted, "j2": jobs.StateRunning, "j4": jobs.StateFailed} {
				j, err := b.Job(ctx, id)
				must(t, err)
				if j.State != want {
					t.Errorf("%s is %s, want %s", id, j.State, want)
				}
			}
		})
	}
}
