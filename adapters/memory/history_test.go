package memory_test

import (
	"encoding/json"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
)

// TestHistoryDoesNotDuplicatePayload completes jobs with 1 MiB args and
// counts the bytes their Acks allocate: storing the outcome copies the job
// once, and the history entry must share its args rather than copy them
// again. History still returns each job with its args.
func TestHistoryDoesNotDuplicatePayload(t *testing.T) {
	const n, size = 10, 1 << 20
	b := memory.New()
	ctx := t.Context()
	args := json.RawMessage(`"` + strings.Repeat("x", size-2) + `"`)
	for range n {
		j, err := jobs.NewJob("big", args, jobs.EnqueueOptions{}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Enqueue(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	batch, err := b.Dequeue(ctx, jobs.DefaultQueue, n, time.Minute)
	if err != nil || len(batch) != n {
		t.Fatalf("Dequeue = %d jobs, %v; want %d", len(batch), err, n)
	}
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	for _, j := range batch {
		done, err := j.Complete(nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Ack(ctx, done); err != nil {
			t.Fatal(err)
		}
	}
	goruntime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > size*3/2 {
		t.Fatalf("each Ack allocated %d bytes for %d bytes of args: the history copies them", per, size)
	}
	h, err := b.History(ctx, "big", 0)
	if err != nil || len(h) != n || string(h[0].Args) != string(args) {
		t.Fatalf("History = %d jobs, %v; want %d with their args", len(h), err, n)
	}
}
