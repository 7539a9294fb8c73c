package redis

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/google/uuid"

	"github.com/jobsgo/jobs/runtime"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestFullRedisOperations runs, on a full Redis, each call that stores an
// outcome, hands a job back, recovers, cancels or deletes one, keeps a
// lease, marks a job as running alone, promotes, pauses or reports workers: each succeeds and leaves its
// job where it belongs (a lease taken on a full Redis can be settled the
// same way). Enqueue alone is refused, storing nothing. Each runs with the
// standalone key protocol and with the Redis Cluster one.
func TestFullRedisOperations(t *testing.T) {
	url := startFullRedis(t, "4mb")
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprintf("cluster=%v", cluster), func(t *testing.T) { fullRedisOperations(t, url, cluster) })
	}
}

// fullRedisOperations is TestFullRedisOperations on the server at url,
// with the Redis Cluster key protocol when cluster is set.
func fullRedisOperations(t *testing.T, url string, cluster bool) {
	clock := backendtest.NewClock(backendtest.Start)
	b, err := New(WithURL(url), WithPrefix(fmt.Sprintf("jobs%v", cluster)), WithClock(clock), withCluster(cluster))
	must(t, err)
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	client := runtime.NewClient(b, runtime.WithClientClock(clock))
	const lease = time.Minute
	enqueue := func(t *testing.T, queue string, opts ...jobs.EnqueueOption) jobs.Job {
		t.Helper()
		j, err := client.Enqueue(ctx, "op", []byte(`{}`), append(opts, jobs.WithQueue(queue))...)
		must(t, err)
		return j
	}
	lease1 := func(t *testing.T, queue string) jobs.Job {
		t.Helper()
		batch, err := b.Dequeue(ctx, queue, 1, lease)
		must(t, err)
		if len(batch) != 1 {
			t.Fatalf("Dequeue leased %d jobs, want 1", len(batch))
		}
		return batch[0]
	}
	leased := func(t *testing.T, queue string) jobs.Job {
		t.Helper()
		enqueue(t, queue)
		return lease1(t, queue)
	}
	// ack(t)(job.Complete(...)) stores the outcome of a transition.
	ack := func(t *testing.T) func(jobs.Job, error) {
		return func(j jobs.Job, err error) {
			t.Helper()
			must(t, err)
			must(t, b.Ack(ctx, j))
		}
	}
	jobErr := jobs.JobError{Type: "test", Message: "failed on purpose"}
	// refusedEnqueue enqueues a job with an ID from newID and checks that
	// Redis refused it whole.
	refusedEnqueue := func(newID func() string, opts ...jobs.EnqueueOption) func(*testing.T, jobs.Job) jobs.State {
		return func(t *testing.T, j jobs.Job) jobs.State {
			id := newID()
			_, err := client.Enqueue(ctx, "op", []byte(`{}`), append(opts, jobs.WithQueue(j.Queue), jobs.WithJobID(id))...)
			if !errors.Is(err, ErrOutOfMemory) {
				t.Fatalf("Enqueue returned %v, want an error matching ErrOutOfMemory", err)
			}
			if _, err := b.Job(ctx, id); !errors.Is(err, jobs.ErrJobNotFound) {
				t.Fatalf("the refused job: Job returned %v, want ErrJobNotFound", err)
			}
			if n, err := b.Size(ctx, j.Queue); err != nil || n != 0 {
				t.Fatalf("after the refused job the queue holds %d pending jobs (err %v), want 0", n, err)
			}
			return ""
		}
	}
	// refusedFresh enqueues a job whose ID was generated for the call
	// (FreshID, the path of a lone Client.Enqueue: enqueue_one.lua) and
	// checks that Redis refused it whole.
	refusedFresh := func(t *testing.T, j jobs.Job) jobs.State {
		fresh, err := jobs.NewJob("op", []byte(`{}`), jobs.ResolveEnqueueOptions(jobs.WithQueue(j.Queue)), clock.Now())
		must(t, err)
		fresh.FreshID = true
		if err := b.Enqueue(ctx, fresh); !errors.Is(err, ErrOutOfMemory) {
			t.Fatalf("Enqueue returned %v, want an error matching ErrOutOfMemory", err)
		}
		if _, err := b.Job(ctx, fresh.ID); !errors.Is(err, jobs.ErrJobNotFound) {
			t.Fatalf("the refused job: Job returned %v, want ErrJobNotFound", err)
		}
		if n, err := b.Size(ctx, j.Queue); err != nil || n != 0 {
			t.Fatalf("after the refused job the queue holds %d pending jobs (err %v), want 0", n, err)
		}
		return ""
	}
	cases := []struct {
		name string
		// setup prepares the job, before Redis is filled.
		setup func(t *testing.T, queue string) jobs.Job
		// run acts on the full Redis and returns the job's state after it
		// ("" : deleted).
		run func(t *testing.T, j jobs.Job) jobs.State
	}{
		{"ack completed", leased, func(t *testing.T, j jobs.Job) jobs.State {
			ack(t)(j.Complete([]byte(`{"ok":true}`), clock.Now()))
			return jobs.StateCompleted
		}},
		{"ack retrying", leased, func(t *testing.T, j jobs.Job) jobs.State {
			ack(t)(j.PrepareRetry(jobErr, clock.Now().Add(time.Hour), clock.Now()))
			return jobs.StateRetrying
		}},
		{"ack failed", leased, func(t *testing.T, j jobs.Job) jobs.State {
			ack(t)(j.Fail(jobErr, clock.Now()))
			return jobs.StateFailed
		}},
		{"release", leased, func(t *testing.T, j jobs.Job) jobs.State {
			ack(t)(j.Release(clock.Now()))
			return jobs.StatePending
		}},
		{"ack and dequeue", func(t *testing.T, queue string) jobs.Job {
			enqueue(t, queue)
			return leased(t, queue)
		}, func(t *testing.T, j jobs.Job) jobs.State {
			done, err := j.Complete(nil, clock.Now())
			must(t, err)
			next, err := b.AckDequeue(ctx, done, lease)
			must(t, err)
			if len(next) != 1 {
				t.Fatalf("AckDequeue leased %d jobs, want 1", len(next))
			}
			ack(t)(next[0].Complete(nil, clock.Now()))
			return jobs.StateCompleted
		}},
		{"dequeue, then ack", func(t *testing.T, queue string) jobs.Job {
			return enqueue(t, queue)
		}, func(t *testing.T, j jobs.Job) jobs.State {
			got := lease1(t, j.Queue)
			ack(t)(got.Complete(nil, clock.Now()))
			return jobs.StateCompleted
		}},
		{"extend lease", leased, func(t *testing.T, j jobs.Job) jobs.State {
			lost, err := b.ExtendLeases(ctx, []jobs.Job{j}, clock.Now().Add(2*lease))
			must(t, err)
			if len(lost) != 0 {
				t.Fatalf("ExtendLeases lost %v", lost)
			}
			return jobs.StateRunning
		}},
		{"recover expired lease", leased, func(t *testing.T, j jobs.Job) jobs.State {
			clock.Advance(2 * lease)
			n, err := b.RecoverExpired(ctx)
			must(t, err)
			if n != 1 {
				t.Fatalf("RecoverExpired recovered %d jobs, want 1", n)
			}
			return jobs.StatePending
		}},
		{"isolate, then recover: the attempt counts", func(t *testing.T, queue string) jobs.Job {
			enqueue(t, queue, jobs.WithMaxRetries(0))
			return lease1(t, queue)
		}, func(t *testing.T, j jobs.Job) jobs.State {
			must(t, b.Isolate(ctx, j))
			clock.Advance(2 * lease)
			_, err := b.RecoverExpired(ctx)
			must(t, err)
			return jobs.StateFailed
		}},
		{"cancel running", leased, func(t *testing.T, j jobs.Job) jobs.State {
			_, err := b.Cancel(ctx, j.ID)
			must(t, err)
			return jobs.StateCancelled
		}},
		{"cancel scheduled", func(t *testing.T, queue string) jobs.Job {
			return enqueue(t, queue, jobs.RunIn(time.Hour))
		}, func(t *testing.T, j jobs.Job) jobs.State {
			_, err := b.Cancel(ctx, j.ID)
			must(t, err)
			return jobs.StateCancelled
		}},
		{"delete pending", func(t *testing.T, queue string) jobs.Job {
			return enqueue(t, queue)
		}, func(t *testing.T, j jobs.Job) jobs.State {
			must(t, b.Delete(ctx, j.ID))
			return ""
		}},
		{"retry dead letter", func(t *testing.T, queue string) jobs.Job {
			j := leased(t, queue)
			ack(t)(j.Fail(jobErr, clock.Now()))
			return j
		}, func(t *testing.T, j jobs.Job) jobs.State {
			_, err := b.RetryDeadLetter(ctx, j.ID)
			must(t, err)
			return jobs.StatePending
		}},
		{"promote due job", func(t *testing.T, queue string) jobs.Job {
			return enqueue(t, queue, jobs.RunIn(time.Second))
		}, func(t *testing.T, j jobs.Job) jobs.State {
			clock.Advance(time.Minute)
			_, err := b.PromoteDue(ctx)
			must(t, err)
			return jobs.StatePending
		}},
		{"pause and resume", func(t *testing.T, queue string) jobs.Job {
			return enqueue(t, queue)
		}, func(t *testing.T, j jobs.Job) jobs.State {
			must(t, b.PauseQueue(ctx, j.Queue))
			must(t, b.ResumeQueue(ctx, j.Queue))
			return jobs.StatePending
		}},
		{"report workers", func(t *testing.T, queue string) jobs.Job {
			return enqueue(t, queue)
		}, func(t *testing.T, j jobs.Job) jobs.State {
			must(t, b.ReportWorkers(ctx, "process-1", []jobs.WorkerInfo{{ID: "w1", Queue: j.Queue}}, time.Minute))
			return jobs.StatePending
		}},
		{"cancelled dequeue wakes at once", func(t *testing.T, queue string) jobs.Job {
			return jobs.Job{Queue: queue}
		}, func(t *testing.T, j jobs.Job) jobs.State {
			cctx, cancel := context.WithCancel(ctx)
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			_, err := b.Dequeue(cctx, j.Queue, 1, lease)
			if waited := time.Since(start); !errors.Is(err, context.Canceled) || waited > 600*time.Millisecond {
				t.Fatalf("Dequeue of an empty queue cancelled after 50 ms returned %v after %s, want context.Canceled at once (block timeout %s)",
					err, waited, b.blockTimeout)
			}
			return ""
		}},
		{"enqueue is refused", func(t *testing.T, queue string) jobs.Job {
			return jobs.Job{Queue: queue}
		}, refusedEnqueue(uuid.NewString)},
		// A job ID of the generated form takes the short path of a lone
		// job (enqueue_list.lua), pending or scheduled.
		{"enqueue of a generated ID is refused", func(t *testing.T, queue string) jobs.Job {
			return jobs.Job{Queue: queue}
		}, refusedEnqueue(newV7)},
		{"schedule of a generated ID is refused", func(t *testing.T, queue string) jobs.Job {
			return jobs.Job{Queue: queue}
		}, refusedEnqueue(newV7, jobs.RunIn(time.Hour))},
		{"enqueue of a fresh ID is refused", func(t *testing.T, queue string) jobs.Job {
			return jobs.Job{Queue: queue}
		}, refusedFresh},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := tc.setup(t, fmt.Sprintf("q%d", i))
			squeezeRedis(t, b.client)
			want := tc.run(t, j)
			if !isOOMError(b.client.Set(ctx, "probe", "x", 0).Err()) {
				t.Error("Redis had memory to spare after the call: the test proves nothing")
			}
			if j.ID == "" {
				return
			}
			got, err := b.Job(ctx, j.ID)
			switch {
			case want == "" && !errors.Is(err, jobs.ErrJobNotFound):
				t.Errorf("job %s after the call: %v (err %v), want it deleted", j.ID, got.State, err)
			case want != "" && (err != nil || got.State != want):
				t.Errorf("job %s after the call: %v (err %v), want %s", j.ID, got.State, err, want)
			}
		})
	}
}

// newV7 returns a new job ID of the generated form (jobs.GeneratedIDForm).
func newV7() string { return uuid.Must(uuid.NewV7()).String() }
