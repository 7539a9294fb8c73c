package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// newJob returns a new job of queue "q" with a generated ID, which takes
// the short path of enqueue_list.lua (or, marked FreshID, enqueue_one.lua).
func newJob(t *testing.T, clock jobs.Clock, opts ...jobs.EnqueueOption) jobs.Job {
	t.Helper()
	j, err := jobs.NewJob("test.job", []byte(`{"n":1}`), jobs.ResolveEnqueueOptions(append([]jobs.EnqueueOption{jobs.WithQueue("q")}, opts...)...), clock.Now())
	must(t, err)
	if indexed(j) {
		t.Fatalf("job %s would be indexed: the test needs a generated ID", j.ID)
	}
	return j
}

// TestEnqueueListWrongType overwrites a key that a short-path enqueue
// writes with a string: the enqueue fails with an error that names the
// key, having stored nothing, whether it is one call or a group commit of
// several. Without TYPE checks, the script relies on the order of its
// writes for that.
func TestEnqueueListWrongType(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		key     string // the key overwritten, by suffix
		opts    []jobs.EnqueueOption
		pending bool // a job is pending beforehand (the wake-up marker is armed)
	}{
		{"list", "p2", nil, false},
		{"list with jobs", "p2", nil, true},
		{"schedule", "sched", []jobs.EnqueueOption{jobs.RunIn(time.Hour)}, false},
		{"wake-up marker", "wake", nil, false},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			calls int
			fresh bool // IDs marked FreshID: one call goes through enqueue_one.lua
		}{{1, false}, {3, false}, {1, true}, {3, true}} {
			calls := c.calls
			t.Run(fmt.Sprintf("%s/%d calls/fresh %v", tt.name, calls, c.fresh), func(t *testing.T) {
				clock := backendtest.NewClock(backendtest.Start)
				b := newTestBackend(t, clock)
				key := b.queue("q").base + tt.key
				if tt.pending {
					must(t, b.Enqueue(ctx, newJob(t, clock)))
				}
				must(t, b.client.Set(ctx, key, "garbage", 0).Err())
				batch := make([]jobs.Job, calls)
				for i := range batch {
					batch[i] = newJob(t, clock, tt.opts...)
					if c.fresh {
						batch[i] = freshJob(t, clock, tt.opts...)
					}
				}
				must(t, b.registerQueue(ctx, "q"))
				before := snapshot(t, b)
				errs, err := b.flushEnqueues(ctx, "q", batch)
				if err != nil { // every caller's error
					errs = []error{err}
				}
				for i, err := range errs {
					if err == nil || !strings.Contains(err.Error(), key) {
						t.Errorf("job %d of %d: error %v, want one naming the key %s", i+1, calls, err, key)
					}
				}
				if changed := changedKeys(before, snapshot(t, b)); len(changed) > 0 {
					t.Errorf("the enqueue failed but changed %v", changed)
				}
			})
		}
	}
}

// TestEnqueueListWakeWhenEmpty checks when a short-path enqueue arms the
// wake-up marker: when the job's list was empty, and not when it held jobs
// (whose enqueue armed it already).
func TestEnqueueListWakeWhenEmpty(t *testing.T) {
	ctx := context.Background()
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock)
	wake := b.queue("q").keys[keyWake]
	armed := func() bool {
		n, err := b.client.Exists(ctx, wake).Result()
		must(t, err)
		return n == 1
	}
	must(t, b.Enqueue(ctx, newJob(t, clock)))
	if !armed() {
		t.Fatal("an enqueue into an empty list did not arm the wake-up marker")
	}
	must(t, b.client.Del(ctx, wake).Err())
	must(t, b.Enqueue(ctx, newJob(t, clock)))
	if armed() {
		t.Error("an enqueue into a list that held jobs armed the wake-up marker")
	}
	if _, err := b.Dequeue(ctx, "q", 2, time.Minute); err != nil {
		t.Fatal(err)
	}
	must(t, b.Enqueue(ctx, newJob(t, clock)))
	if !armed() {
		t.Error("an enqueue into a list emptied by a worker did not arm the wake-up marker")
	}
}

// TestEnqueueListWakesEveryWorker blocks idle workers in Dequeue, one job
// each, and enqueues as many jobs at once: every worker gets one well
// within the block timeout, though only the enqueue that found the list
// empty armed the wake-up marker (the worker it woke arms it again for the
// jobs it leaves).
func TestEnqueueListWakesEveryWorker(t *testing.T) {
	const workers = 4
	ctx := context.Background()
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock, WithBlockTimeout(2*time.Second))
	var wg sync.WaitGroup
	took := make(chan time.Duration, workers)
	start := make(chan time.Time)
	for range workers {
		wg.Go(func() {
			batch, err := b.Dequeue(ctx, "q", 1, time.Minute)
			at := <-start
			if err != nil || len(batch) != 1 {
				t.Errorf("Dequeue returned %d jobs, %v; want 1", len(batch), err)
			}
			took <- time.Since(at)
		})
	}
	time.Sleep(200 * time.Millisecond) // let every worker block
	at := time.Now()
	batch := make([]jobs.Job, workers)
	for i := range batch {
		batch[i] = newJob(t, clock)
	}
	errs, err := b.flushEnqueues(ctx, "q", batch)
	must(t, errors.Join(append(errs, err)...))
	for range workers {
		start <- at
	}
	wg.Wait()
	close(took)
	for d := range took {
		if d > time.Second {
			t.Errorf("a worker got its job %s after the enqueue, want well within the block timeout (2s)", d)
		}
	}
}

// TestEnqueueListDuplicateIDs enqueues a job ID of the generated form
// twice: in two calls, the second fails with ErrDuplicateJob; in one group
// commit of concurrent calls, one is stored and the other gets
// ErrDuplicateJob.
func TestEnqueueListDuplicateIDs(t *testing.T) {
	ctx := context.Background()
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock)
	id := newV7()
	j := newJob(t, clock, jobs.WithJobID(id))
	must(t, b.Enqueue(ctx, j))
	if err := b.Enqueue(ctx, j); !errors.Is(err, jobs.ErrDuplicateJob) {
		t.Errorf("second Enqueue of %s: %v, want ErrDuplicateJob", id, err)
	}
	k := newJob(t, clock, jobs.WithJobID(newV7()))
	errs, err := b.flushEnqueues(ctx, "q", []jobs.Job{k, k})
	must(t, err)
	if errs[0] != nil || !errors.Is(errs[1], jobs.ErrDuplicateJob) {
		t.Errorf("one flush of the same job twice: %v, want nil and ErrDuplicateJob", errs)
	}
	if got, err := b.Job(ctx, k.ID); err != nil || got.State != jobs.StatePending {
		t.Errorf("Job(%s) = %v, %v; want it pending", k.ID, got.State, err)
	}
	if n, err := b.Size(ctx, "q"); err != nil || n != 2 {
		t.Errorf("Size = %d, %v; want 2", n, err)
	}
}

// TestEnqueueLargeBatch enqueues more jobs in one call than Lua can unpack
// at once: they are all stored.
func TestEnqueueLargeBatch(t *testing.T) {
	const n = 9000
	ctx := context.Background()
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock)
	batch := make([]jobs.Job, n)
	for i := range batch {
		batch[i] = newJob(t, clock)
	}
	must(t, b.Enqueue(ctx, batch...))
	if got, err := b.Size(ctx, "q"); err != nil || got != n {
		t.Errorf("Size = %d, %v; want %d", got, err, n)
	}
}
