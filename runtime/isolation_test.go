package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// makeSuspects enqueues jobs of jobType in queue with the given IDs and
// makes them suspects: leased together, their lease expires and is
// refunded.
func (h *harness) makeSuspects(queue, jobType string, ids ...string) {
	h.t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		h.enqueue(jobType, jobs.WithJobID(id), jobs.WithQueue(queue))
	}
	leased, err := h.backend.Dequeue(ctx, queue, len(ids), time.Millisecond)
	if err != nil || len(leased) != len(ids) {
		h.t.Fatalf("Dequeue = %d jobs, %v; want %d", len(leased), err, len(ids))
	}
	time.Sleep(5 * time.Millisecond)
	if n, err := h.backend.RecoverExpired(ctx); err != nil || n != len(ids) {
		h.t.Fatalf("RecoverExpired = %d, %v; want %d", n, err, len(ids))
	}
	for _, id := range ids {
		if j := h.waitState(id, jobs.StatePending); !j.Suspect() || j.Charged() != 0 {
			h.t.Fatalf("job %s after the expiry: refunded %d, charged %d; want a suspect with nothing charged", id, j.Refunded, j.Charged())
		}
	}
}

// TestPoolRunsSuspectJobsAlone: a suspect job's handler starts only when
// no other handler of the pool runs, with the job marked as isolated in
// the backend, and nothing else starts while it runs; ordinary jobs still
// all complete.
func TestPoolRunsSuspectJobsAlone(t *testing.T) {
	h := newHarness(t)
	var running atomic.Int32
	var mu sync.Mutex
	var problems []string
	problem := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	h.register("work", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		n := running.Add(1)
		defer running.Add(-1)
		if !j.Suspect() {
			time.Sleep(10 * time.Millisecond)
			return nil, nil
		}
		if n != 1 {
			problem("suspect %s started beside %d other handlers", j.ID, n-1)
		}
		if stored, err := h.backend.Job(ctx, j.ID); err != nil || !stored.Alone {
			problem("suspect %s runs without the isolation mark (%v)", j.ID, err)
		}
		for range 5 {
			time.Sleep(5 * time.Millisecond)
			if n := running.Load(); n != 1 {
				problem("%d handlers ran beside suspect %s", n-1, j.ID)
			}
		}
		return nil, nil
	})
	suspects := []string{"s1", "s2", "s3"}
	h.makeSuspects(jobs.DefaultQueue, "work", suspects...)
	var ordinary []jobs.Job
	for range 12 {
		ordinary = append(ordinary, h.enqueue("work"))
	}
	h.start(runtime.PoolConfig{Queues: map[string]int{jobs.DefaultQueue: 4}})
	for _, id := range suspects {
		if j := h.waitState(id, jobs.StateCompleted); j.Attempt != 2 || j.Refunded != 1 || j.Alone {
			t.Errorf("suspect %s completed at attempt %d, refunded %d, alone %v; want 2, 1, false", id, j.Attempt, j.Refunded, j.Alone)
		}
	}
	for _, j := range ordinary {
		h.waitState(j.ID, jobs.StateCompleted)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}

// TestPoolShutdownHandsBackWaitingSuspect: a suspect waiting for an
// ordinary handler to end is handed back at shutdown without counting its
// attempt, its handler never started.
func TestPoolShutdownHandsBackWaitingSuspect(t *testing.T) {
	h := newHarness(t)
	blocking := make(chan struct{})
	var suspectRan atomic.Bool
	h.register("block", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		close(blocking)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	h.register("suspect", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		suspectRan.Store(true)
		return nil, nil
	})
	ctx := context.Background()
	h.makeSuspects("side", "suspect", "s")
	if err := h.backend.PauseQueue(ctx, "side"); err != nil {
		t.Fatal(err)
	}
	blocker := h.enqueue("block")
	h.start(runtime.PoolConfig{Queues: map[string]int{jobs.DefaultQueue: 1, "side": 1}, ShutdownTimeout: 50 * time.Millisecond})
	<-blocking
	if err := h.backend.ResumeQueue(ctx, "side"); err != nil {
		t.Fatal(err)
	}
	h.waitState("s", jobs.StateRunning)
	time.Sleep(20 * time.Millisecond) // the suspect would start now, were it not waiting
	if err := h.pool.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if suspectRan.Load() {
		t.Fatal("the suspect ran beside the blocking handler")
	}
	if j := h.waitState("s", jobs.StatePending); j.Attempt != 1 || j.Charged() != 0 {
		t.Fatalf("handed back suspect: attempt %d, charged %d; want 1, 0", j.Attempt, j.Charged())
	}
	h.waitState(blocker.ID, jobs.StatePending)
}
