package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/adapters/redis/internal/groupcommit"
	"github.com/jobsgo/jobs/runtime"
)

// deadlineSlack is how long past its context's deadline a call may take
// to return: scheduling on a loaded machine, under the race detector.
const deadlineSlack = 60 * time.Millisecond

// TestCallsHonourDeadline freezes Redis (SIGSTOP) and makes every kind of
// call with a 400 ms context: each returns an error within the deadline
// and deadlineSlack, whether it flushes alone or waits on a group-commit
// flush in flight, though the client's read timeout is 3 s.
func TestCallsHonourDeadline(t *testing.T) {
	r := startPrivateRedis(t)
	b := r.backend(t, WithPrefix("deadline"))
	clock := runtime.SystemClock{}
	client := runtime.NewClient(b)
	ctx := context.Background()
	must(t, b.Enqueue(ctx, job(t, clock, "leased-1", "q"), job(t, clock, "leased-2", "q"), job(t, clock, "leased-3", "q")))
	leased := dequeue(t, b, "q", 3)
	if len(leased) != 3 {
		t.Fatalf("dequeued %d jobs, want 3", len(leased))
	}
	must(t, b.Enqueue(ctx, job(t, clock, "pending", "q")))
	// finished is the outcome of a job of queue that was never stored,
	// which Ack refuses once Redis answers.
	finished := func(id, queue string) jobs.Job {
		j := mustJob(job(t, clock, id, queue).Start(clock.Now(), clock.Now().Add(time.Minute)))
		return mustJob(j.Complete(nil, clock.Now()))
	}

	r.freeze(t)
	defer r.thaw(t)
	// Two acks of queue "busy" take both turns of its lane; their flushes
	// hang until the read timeout (3 s), so a Dequeue waits on a flush of
	// its own, which it cannot withdraw from once it runs, and an Ack on
	// the next flush, which it withdraws from.
	var blockers sync.WaitGroup
	for _, id := range []string{"b1", "b2"} {
		blockers.Add(1)
		go func() {
			defer blockers.Done()
			_ = b.Ack(ctx, finished(id, "busy"))
		}()
	}
	time.Sleep(50 * time.Millisecond)

	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		// First, while the lane of "busy" is taken.
		{"Dequeue on a busy lane", func(ctx context.Context) error { _, err := b.Dequeue(ctx, "busy", 1, time.Minute); return err }},
		{"Ack on a busy lane", func(ctx context.Context) error { return b.Ack(ctx, finished("b3", "busy")) }},
		{"Enqueue", func(ctx context.Context) error { _, err := client.Enqueue(ctx, "t", nil); return err }},
		{"EnqueueBatch", func(ctx context.Context) error {
			_, err := client.EnqueueBatch(ctx, []runtime.EnqueueRequest{{Type: "t"}, {Type: "t", Options: []jobs.EnqueueOption{jobs.WithQueue("other")}}})
			return err
		}},
		{"Job", func(ctx context.Context) error { _, err := b.Job(ctx, "pending"); return err }},
		{"Stats", func(ctx context.Context) error { _, err := b.Stats(ctx); return err }},
		{"Cancel", func(ctx context.Context) error { _, err := b.Cancel(ctx, "pending"); return err }},
		{"Size", func(ctx context.Context) error { _, err := b.Size(ctx, "q"); return err }},
		{"DeadLetters", func(ctx context.Context) error { _, err := b.DeadLetters(ctx, jobs.DeadLetterQuery{}); return err }},
		{"Dequeue", func(ctx context.Context) error { _, err := b.Dequeue(ctx, "q", 1, time.Minute); return err }},
		{"Ack", func(ctx context.Context) error { return b.Ack(ctx, mustJob(leased[0].Complete(nil, clock.Now()))) }},
		{"AckDequeue", func(ctx context.Context) error {
			_, err := b.AckDequeue(ctx, mustJob(leased[1].Complete(nil, clock.Now())), time.Minute)
			return err
		}},
		{"ExtendLeases", func(ctx context.Context) error {
			_, err := b.ExtendLeases(ctx, leased[2:], clock.Now().Add(time.Minute))
			return err
		}},
		{"PromoteDue", func(ctx context.Context) error { _, err := b.PromoteDue(ctx); return err }},
		{"RecoverExpired", func(ctx context.Context) error { _, err := b.RecoverExpired(ctx); return err }},
	}
	const timeout = 400 * time.Millisecond
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			result := make(chan error, 1)
			go func() { result <- c.call(ctx) }()
			select {
			case err := <-result:
				took := time.Since(start)
				t.Logf("returned after %s: %v", took.Round(time.Millisecond), err)
				if err == nil {
					t.Errorf("succeeded with Redis frozen")
				}
				if took > timeout+deadlineSlack {
					t.Errorf("returned after %s, want at most %s", took, timeout+deadlineSlack)
				}
			case <-time.After(2 * time.Second):
				t.Errorf("still running 2 s after a %s deadline", timeout)
			}
		})
	}
	r.thaw(t)
	blockers.Wait()
}

// TestEnqueueUnknownOutcome enqueues with chosen IDs while Redis is frozen
// (SIGSTOP) after the connection is up, so that the request is written and
// no answer comes: the call fails at its deadline with an error matching
// ErrOutcomeUnknown that names the jobs. Once Redis thaws, retrying with
// the same IDs stores each job once (the retry finds ErrDuplicateJob, as
// the first request ran). A context done before the call is no unknown
// outcome.
func TestEnqueueUnknownOutcome(t *testing.T) {
	r := startPrivateRedis(t)
	b := r.backend(t, WithPrefix("unknown"))
	client := runtime.NewClient(b)
	ctx := context.Background()
	for _, q := range []string{"a", "b"} {
		_, err := client.Enqueue(ctx, "warm-up", nil, jobs.WithQueue(q))
		must(t, err)
	}
	one := func(id, queue string) runtime.EnqueueRequest {
		return runtime.EnqueueRequest{Type: "t", Options: []jobs.EnqueueOption{jobs.WithJobID(id), jobs.WithQueue(queue)}}
	}
	cases := []struct {
		name string
		reqs []runtime.EnqueueRequest
	}{
		{"single", []runtime.EnqueueRequest{one("single-1", "a")}},
		{"batch of one queue", []runtime.EnqueueRequest{one("batch-1", "a"), one("batch-2", "a")}},
	}
	enqueue := func(ctx context.Context, reqs []runtime.EnqueueRequest) error {
		if len(reqs) == 1 {
			_, err := client.Enqueue(ctx, reqs[0].Type, reqs[0].Args, reqs[0].Options...)
			return err
		}
		_, err := client.EnqueueBatch(ctx, reqs)
		return err
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want []string
			for _, req := range c.reqs {
				want = append(want, jobs.ResolveEnqueueOptions(req.Options...).JobID)
			}
			r.freeze(t)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			result := make(chan error, 1)
			go func() { result <- enqueue(ctx, c.reqs) }()
			var err error
			select {
			case err = <-result:
			case <-time.After(2 * time.Second):
				r.thaw(t)
				t.Fatalf("Enqueue still running 2 s after a 300 ms deadline")
			}
			r.thaw(t)
			var unknown *jobs.UnknownOutcomeError
			if !errors.Is(err, jobs.ErrOutcomeUnknown) || !errors.As(err, &unknown) || !slices.Equal(unknown.JobIDs, want) {
				t.Fatalf("Enqueue with Redis frozen: %v, want an *UnknownOutcomeError on %v", err, want)
			}
			err = enqueue(context.Background(), c.reqs)
			if err != nil && !errors.Is(err, jobs.ErrDuplicateJob) {
				t.Fatalf("retry with the same IDs: %v, want nil or ErrDuplicateJob", err)
			}
			for _, id := range want {
				j, err := b.Job(context.Background(), id)
				if err != nil || j.State != jobs.StatePending {
					t.Errorf("job %s after the retry: %v %v, want pending", id, j.State, err)
				}
			}
		})
	}
	for q, want := range map[string]int{"a": 1 + 1 + 2, "b": 1} {
		if n, err := b.Size(ctx, q); err != nil || n != want {
			t.Errorf("queue %s holds %d jobs (%v), want %d: each job once", q, n, err, want)
		}
	}

	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := client.Enqueue(done, "t", nil); !errors.Is(err, context.Canceled) || errors.Is(err, jobs.ErrOutcomeUnknown) {
		t.Errorf("Enqueue with a done context: %v, want context.Canceled and no unknown outcome", err)
	}
}

// TestDequeueLeftInFlightReleasesJobs pauses writes for 1 s (CLIENT PAUSE
// WRITE) while a Dequeue with a 300 ms context waits for its lease script:
// the call returns at its deadline, and the job that the script leases
// once the pause ends, for a caller gone, is handed back to its queue
// with its attempt given back, rather than held until its lease expires.
func TestDequeueLeftInFlightReleasesJobs(t *testing.T) {
	r := startPrivateRedis(t)
	b := r.backend(t, WithPrefix("orphans"))
	clock := runtime.SystemClock{}
	ctx := context.Background()
	must(t, b.Enqueue(ctx, job(t, clock, "orphan", "q")))
	admin := goredis.NewClient(mustParseURL(t, r.url))
	defer admin.Close()
	must(t, admin.Do(ctx, "CLIENT", "PAUSE", 1000, "WRITE").Err())

	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	batch, err := b.Dequeue(short, "q", 1, time.Minute)
	if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || took > 300*time.Millisecond+deadlineSlack {
		t.Fatalf("Dequeue during the pause: %d jobs, %v after %s; want context.DeadlineExceeded by the deadline", len(batch), err, took)
	}
	var got jobs.Job
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		// StartedAt shows that the job was leased, and released.
		got, err = b.Job(ctx, "orphan")
		if err == nil && got.State == jobs.StatePending && got.Attempt == 0 && !got.StartedAt.IsZero() {
			return
		}
	}
	t.Fatalf("job after the pause: %s attempt %d started %v (%v), want pending attempt 0, started", got.State, got.Attempt, got.StartedAt, err)
}

func mustJob(j jobs.Job, err error) jobs.Job {
	if err != nil {
		panic(err)
	}
	return j
}

// TestSharedOutcomeOfLeftInFlight: a call that left its flush in flight
// reports an unknown outcome naming its job.
func TestSharedOutcomeOfLeftInFlight(t *testing.T) {
	err := fmt.Errorf("%w: %w", groupcommit.ErrLeftInFlight, context.DeadlineExceeded)
	got := sharedOutcome(err, "j2")
	var unknown *jobs.UnknownOutcomeError
	if !errors.Is(got, jobs.ErrOutcomeUnknown) || !errors.As(got, &unknown) || fmt.Sprint(unknown.JobIDs) != "[j2]" {
		t.Fatalf("sharedOutcome: %v", got)
	}
}

// TestBlockedDequeueHonoursDeadline: a Dequeue with a deadline, blocked on
// an empty queue when Redis freezes (SIGSTOP), still returns by its
// deadline: its wait is bounded by it, though the client's read timeout is
// 3 s.
func TestBlockedDequeueHonoursDeadline(t *testing.T) {
	r := startPrivateRedis(t)
	b := r.backend(t, WithPrefix("blocked"))
	const timeout = 600 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	result := make(chan error, 1)
	go func() { _, err := b.Dequeue(ctx, "empty", 1, time.Minute); result <- err }()
	time.Sleep(200 * time.Millisecond) // blocked on the wake-up marker
	r.freeze(t)
	defer r.thaw(t)
	select {
	case err := <-result:
		if took := time.Since(start); err == nil || took > timeout+deadlineSlack {
			t.Errorf("returned %v after %s, want an error within %s", err, took, timeout+deadlineSlack)
		}
	case <-time.After(2 * time.Second):
		t.Errorf("still running 2 s after a %s deadline", timeout)
	}
}
