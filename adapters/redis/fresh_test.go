package redis

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestNewJobHashFields checks what a new job's hash holds. A job whose ID
// was just generated (FreshID) and that is due when created is stored with
// d, s and p only: alone, or in a group commit. Its attempt (a) and execute-at (x) are left out and read
// back as 0 and its created time. A job with a caller's ID, or a
// scheduled one, keeps x.
func TestNewJobHashFields(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		calls      int
		fresh      bool
		opts       []jobs.EnqueueOption
		wantFields []string
		// clockBack moves the jobs' created and execute-at times back, as
		// when the process's IDs got ahead of the backend's clock: their
		// stamps then do not tell when they were due.
		clockBack time.Duration
	}{
		{"one fresh", 1, true, nil, []string{"d", "p", "s"}, 0},
		{"three fresh", 3, true, nil, []string{"d", "p", "s"}, 0},
		{"one with a caller's ID", 1, false, nil, []string{"d", "p", "s", "x"}, 0},
		{"three with callers' IDs", 3, false, nil, []string{"d", "p", "s", "x"}, 0},
		{"one fresh scheduled", 1, true, []jobs.EnqueueOption{jobs.RunIn(time.Minute)}, []string{"d", "p", "s", "x"}, 0},
		{"one fresh, its ID stamped 2 ms late", 1, true, nil, []string{"d", "p", "s", "x"}, 2 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock)
			must(t, b.registerQueue(ctx, "q"))
			batch := make([]jobs.Job, tt.calls)
			for i := range batch {
				if tt.fresh {
					batch[i] = freshJob(t, clock, tt.opts...)
				} else {
					batch[i] = newJob(t, clock, append([]jobs.EnqueueOption{jobs.WithJobID(newV7())}, tt.opts...)...)
				}
				batch[i].CreatedAt = batch[i].CreatedAt.Add(-tt.clockBack)
				batch[i].ExecuteAt = batch[i].ExecuteAt.Add(-tt.clockBack)
			}
			errs, err := b.flushEnqueues(ctx, "q", batch)
			must(t, errors.Join(append(errs, err)...))
			for _, j := range batch {
				fields, err := b.client.HKeys(ctx, b.queue("q").job(j.ID)).Result()
				must(t, err)
				slices.Sort(fields)
				if !slices.Equal(fields, tt.wantFields) {
					t.Errorf("job %s stored fields %v, want %v", j.ID, fields, tt.wantFields)
				}
				got, err := b.Job(ctx, j.ID)
				must(t, err)
				if got.Attempt != 0 || !got.ExecuteAt.Equal(j.ExecuteAt) || !got.CreatedAt.Equal(j.CreatedAt) || got.State != j.State || got.FreshID {
					t.Errorf("job %s read back as attempt %d, execute-at %v, created %v, %s, fresh %v; want 0, %v, %v, %s, false",
						j.ID, got.Attempt, got.ExecuteAt, got.CreatedAt, got.State, got.FreshID, j.ExecuteAt, j.CreatedAt, j.State)
				}
			}
		})
	}
}

// TestEnqueueOneTakesIDAndPriorityFromKeys: enqueue_one.lua reads the
// job's ID and priority off its keys (the job hash's name and the list's),
// so a lone fresh job of each priority, and on queues whose names are of
// different lengths, must land in its priority's list under its own ID,
// and read back with that priority.
func TestEnqueueOneTakesIDAndPriorityFromKeys(t *testing.T) {
	ctx := context.Background()
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock)
	for _, queue := range []string{"q", "a-longer-queue-name"} {
		for _, p := range []jobs.Priority{jobs.PriorityLow, jobs.PriorityNormal, jobs.PriorityHigh, jobs.PriorityCritical} {
			j := freshJob(t, clock, jobs.WithQueue(queue), jobs.WithPriority(p))
			if !dueWhenCreated(&j) {
				t.Fatalf("job %s would not take enqueue_one.lua", j.ID)
			}
			must(t, b.Enqueue(ctx, j))
			k := b.queue(queue)
			ids, err := b.client.LRange(ctx, k.keys[keyP1+int(p)-1], 0, -1).Result()
			must(t, err)
			if !slices.Equal(ids, []string{j.ID}) {
				t.Errorf("queue %s, priority %d: the list holds %q, want [%s]", queue, p, ids, j.ID)
			}
			got, err := b.Job(ctx, j.ID)
			must(t, err)
			if got.ID != j.ID || got.Priority != p || got.Queue != queue {
				t.Errorf("job read back as %s, priority %d, queue %s; want %s, %d, %s", got.ID, got.Priority, got.Queue, j.ID, p, queue)
			}
		}
	}
}

// TestEnqueueOneJobKeyWrongType: a fresh job's key that holds another type
// (which only a corrupt store can do) fails the enqueue naming the key,
// and the ID pushed is taken back.
func TestEnqueueOneJobKeyWrongType(t *testing.T) {
	ctx := context.Background()
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock)
	j := freshJob(t, clock)
	key := b.queue("q").job(j.ID)
	must(t, b.registerQueue(ctx, "q"))
	must(t, b.client.Set(ctx, key, "garbage", 0).Err())
	list := b.queue("q").keys[keyP2]
	err := b.Enqueue(ctx, j)
	if err == nil || !strings.Contains(err.Error(), key) {
		t.Fatalf("Enqueue: %v, want an error naming %s", err, key)
	}
	if n, err := b.client.LLen(ctx, list).Result(); err != nil || n != 0 {
		t.Errorf("the list holds %d IDs, %v; want none", n, err)
	}
}

// freshJob returns a new job of queue "q" as the runtime Client sends it
// (FreshID), due when created, at the time stamped on its ID: other tests
// of the process may have moved the process's IDs ahead of clock (see
// dueWhenCreated), so the job takes its times from the ID.
func freshJob(t *testing.T, clock jobs.Clock, opts ...jobs.EnqueueOption) jobs.Job {
	t.Helper()
	j := newJob(t, clock, opts...)
	stamp, ok := jobs.GeneratedIDTime(j.ID)
	if !ok {
		t.Fatalf("job ID %s has no time stamp", j.ID)
	}
	shift := stamp.Sub(j.CreatedAt)
	j.CreatedAt, j.ExecuteAt, j.FreshID = stamp, j.ExecuteAt.Add(shift), true
	return j
}
