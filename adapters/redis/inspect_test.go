package redis

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestBulkDeadLettersInWindows retries and purges more dead letters than
// one window holds, all failed at the same instant (one RecoverExpired),
// of two types interleaved, so that windows start inside ties of score.
func TestBulkDeadLettersInWindows(t *testing.T) {
	const n = 3*maintBatch/2 + 7
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock)
	ctx := t.Context()
	list := make([]jobs.Job, n)
	for i := range list {
		list[i] = job(t, clock, fmt.Sprintf("d%04d", i), "q", jobs.WithMaxRetries(0))
		if i%3 == 0 {
			list[i].Type = "other.job"
		}
	}
	must(t, b.Enqueue(ctx, list...))
	for left := n; left > 0; {
		leased := dequeue(t, b, "q", left)
		for _, j := range leased {
			must(t, b.Isolate(ctx, j)) // each expiry counts: no retries left, dead
		}
		left -= len(leased)
	}
	clock.Advance(2 * time.Minute)
	recovered, err := b.RecoverExpired(ctx)
	if err != nil || recovered != n {
		t.Fatalf("RecoverExpired = %d, %v; want %d", recovered, err, n)
	}
	retried, err := b.RetryDeadLetters(ctx, jobs.DeadLetterQuery{Type: "test.job"})
	if want := n - (n+2)/3; err != nil || retried != want {
		t.Fatalf("RetryDeadLetters = %d, %v; want %d", retried, err, want)
	}
	var pending []string
	for q := (jobs.JobQuery{Queue: "q", State: jobs.StatePending, Limit: 1000}); ; {
		p, err := b.ListJobs(ctx, q)
		must(t, err)
		pending = append(pending, ids(p.Jobs)...)
		if q.Cursor = p.NextCursor; q.Cursor == "" {
			break
		}
	}
	if len(pending) != retried || !slices.IsSorted(pending) {
		t.Fatalf("%d pending jobs after the retry, want %d in the order they failed (by ID at a tie)", len(pending), retried)
	}
	purged, err := b.PurgeDeadLetters(ctx, jobs.DeadLetterQuery{})
	if err != nil || purged != (n+2)/3 {
		t.Fatalf("PurgeDeadLetters = %d, %v; want %d", purged, err, (n+2)/3)
	}
	if st, _ := b.Stats(ctx); st.DeadLetters != 0 {
		t.Fatalf("%d dead letters left", st.DeadLetters)
	}
}

func ids(list []jobs.Job) []string {
	out := make([]string, len(list))
	for i, j := range list {
		out[i] = j.ID
	}
	return out
}

// BenchmarkListJobs100k reads one page of 100 from the middle of 100,000
// pending jobs and of 100,000 scheduled ones.
func BenchmarkListJobs100k(b *testing.B) {
	const total = 100_000
	clock := backendtest.NewClock(backendtest.Start)
	be := newTestBackend(b, clock)
	ctx := b.Context()
	for i := 0; i < total; i += 1000 {
		batch := make([]jobs.Job, 2000)
		for j := range 1000 {
			batch[j] = job(b, clock, fmt.Sprintf("p%06d", i+j), "big")
			batch[1000+j] = job(b, clock, fmt.Sprintf("s%06d", i+j), "big", jobs.RunIn(time.Duration(i+j+1)*time.Second))
		}
		must(b, be.Enqueue(ctx, batch...))
	}
	for _, state := range []jobs.State{jobs.StatePending, jobs.StateScheduled} {
		b.Run(string(state), func(b *testing.B) {
			q := jobs.JobQuery{Queue: "big", State: state, Limit: 1000}
			for range total / 2 / 1000 {
				p, err := be.ListJobs(ctx, q)
				must(b, err)
				q.Cursor = p.NextCursor
			}
			q.Limit = 100
			for b.Loop() {
				p, err := be.ListJobs(ctx, q)
				if err != nil || len(p.Jobs) != 100 || p.Jobs[0].ID[1:] != "050000" {
					b.Fatalf("ListJobs: %d jobs, %v", len(p.Jobs), err)
				}
			}
		})
	}
}
