package redis

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jobsgo/jobs/runtime"
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
			must(t, b.Enqueue(ctx, job(t, clock, "old", "q", runtime.UniqueByKey("k", 3*time.Hour))))
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
				if gone := errors.Is(err, runtime.ErrJobNotFound); gone != (id == "old") {
					t.Fatalf("Job(%s) after the age cap passed: %v", id, err)
				}
			}
			_, err = b.PromoteDue(ctx) // trims "stopped" by maintenance
			must(t, err)
			if _, err := b.Job(ctx, "stopped"); !errors.Is(err, runtime.ErrJobNotFound) {
				t.Fatalf("Job(stopped) after PromoteDue: %v", err)
			}
			var ue *runtime.UniqueJobExistsError
			if err := b.Enqueue(ctx, job(t, clock, "again", "q", runtime.UniqueByKey("k", time.Hour))); !errors.As(err, &ue) || ue.ExistingJobID != "old" {
				t.Fatalf("Enqueue while the trimmed job's TTL holds its key: %v", err)
			}
			clock.Advance(2 * time.Hour)
			must(t, b.Enqueue(ctx, job(t, clock, "again", "q", runtime.UniqueByKey("k", time.Hour))))
		})
	}
}
