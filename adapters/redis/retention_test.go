package redis

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestCompletedMaxAge checks the age cap of completed and cancelled jobs:
// trimmed when another job finishes and by PromoteDue, with the unique key
// of a trimmed job still held until its TTL passes.
func TestCompletedMaxAge(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprintf("cluster=%v", cluster), func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock, withCluster(cluster), WithCompletedMaxAge(time.Hour))
			ctx := t.Context()
			must(t, b.Enqueue(ctx, job(t, clock, "old", "q", jobs.UniqueByKey("k", 3*time.Hour))))
			done, _ := dequeue(t, b, "q", 1)[0].Complete(nil, clock.Now())
			must(t, b.Ack(ctx, done))
			must(t, b.Enqueue(ctx, job(t, clock, "stopped", "q")))
			_, err := b.Cancel(ctx, "stopped")
			must(t, err)

			clock.Advance(61 * time.Minute)
			must(t, b.Enqueue(ctx, job(t, clock, "new", "q")))
			done, _ = dequeue(t, b, "q", 1)[0].Complete(nil, clock.Now())
			must(t, b.Ack(ctx, done)) // trims "old" on the completion path
			for _, id := range []string{"old", "new", "stopped"} {
				_, err := b.Job(ctx, id)
				if gone := errors.Is(err, jobs.ErrJobNotFound); gone != (id == "old") {
					t.Fatalf("Job(%s) after the age cap passed: %v", id, err)
				}
			}
			_, err = b.PromoteDue(ctx) // trims "stopped" by maintenance
			must(t, err)
			if _, err := b.Job(ctx, "stopped"); !errors.Is(err, jobs.ErrJobNotFound) {
				t.Fatalf("Job(stopped) after PromoteDue: %v", err)
			}
			var ue *jobs.UniqueJobExistsError
			if err := b.Enqueue(ctx, job(t, clock, "again", "q", jobs.UniqueByKey("k", time.Hour))); !errors.As(err, &ue) || ue.ExistingJobID != "old" {
				t.Fatalf("Enqueue while the trimmed job's TTL holds its key: %v", err)
			}
			clock.Advance(2 * time.Hour)
			must(t, b.Enqueue(ctx, job(t, clock, "again", "q", jobs.UniqueByKey("k", time.Hour))))
		})
	}
}

// TestCompletedLimitZero checks WithCompletedLimit(0): completed and
// cancelled jobs are deleted as they finish, forgotten by the ID index,
// and still counted and kept in the history; failed ones stay.
func TestCompletedLimitZero(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprintf("cluster=%v", cluster), func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock, withCluster(cluster), WithCompletedLimit(0))
			ctx := context.Background()
			generated, err := jobs.NewJob("test.job", nil, jobs.ResolveEnqueueOptions(jobs.WithQueue("q")), clock.Now())
			must(t, err)
			must(t, b.Enqueue(ctx, job(t, clock, "chosen", "q"), generated, job(t, clock, "dead", "q", jobs.WithMaxRetries(0)),
				job(t, clock, "later", "q", jobs.RunIn(time.Hour))))
			running := dequeue(t, b, "q", 3)
			for _, j := range running[:2] {
				done, err := j.Complete(nil, clock.Now())
				must(t, err)
				must(t, b.Ack(ctx, done))
			}
			failed, err := running[2].Fail(jobs.JobError{Message: "no"}, clock.Now())
			must(t, err)
			must(t, b.Ack(ctx, failed))
			if _, err := b.Cancel(ctx, "later"); err != nil {
				t.Fatalf("Cancel(later): %v", err)
			}
			for _, id := range []string{"chosen", generated.ID, "later"} {
				if _, err := b.Job(ctx, id); !errors.Is(err, jobs.ErrJobNotFound) {
					t.Fatalf("Job(%s) after it finished: %v, want ErrJobNotFound", id, err)
				}
			}
			if _, err := b.Job(ctx, "dead"); err != nil {
				t.Fatalf("Job(dead): %v", err)
			}
			k := b.queue("q")
			for _, key := range []string{k.keys[keyDone], k.keys[keyCancelled], k.keys[keyLease]} {
				if n := b.client.ZCard(ctx, key).Val(); n != 0 {
					t.Fatalf("%s holds %d members, want none", key, n)
				}
			}
			st, err := b.Stats(ctx)
			must(t, err)
			if st.Processed != 3 || st.Succeeded != 2 || st.Failed != 1 {
				t.Fatalf("Stats = %+v, want 3 processed, 2 succeeded, 1 failed", st)
			}
			h, err := b.History(ctx, "test.job", 0)
			must(t, err)
			if len(h) != 3 {
				t.Fatalf("History holds %d jobs, want 3", len(h))
			}
			_, err = b.PromoteDue(ctx) // on a cluster, drops trimmed IDs from the index
			must(t, err)
			if ids := b.client.HKeys(ctx, b.indexKey).Val(); len(ids) != 1 || ids[0] != "dead" {
				t.Fatalf("ID index holds %v, want only dead", ids)
			}
			must(t, b.Enqueue(ctx, job(t, clock, "chosen", "q"))) // the ID is free again
		})
	}
}
