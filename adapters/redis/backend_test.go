package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/google/uuid"

	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// job makes a pending job of queue with the given ID.
func job(t testing.TB, clock jobs.Clock, id, queue string, opts ...jobs.EnqueueOption) jobs.Job {
	t.Helper()
	j, err := jobs.NewJob("test.job", []byte(`{"n":1}`), jobs.ResolveEnqueueOptions(append([]jobs.EnqueueOption{jobs.WithJobID(id), jobs.WithQueue(queue)}, opts...)...), clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func dequeue(t testing.TB, b *Backend, queue string, n int) []jobs.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	list, err := b.Dequeue(ctx, queue, n, time.Minute)
	must(t, err)
	return list
}

func TestCorruptJobsGoToDeadLetters(t *testing.T) {
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock)
	ctx := context.Background()
	var list []jobs.Job
	for _, id := range []string{"string-key", "bad-json", "bad-attempt", "good"} {
		list = append(list, job(t, clock, id, "q"))
	}
	must(t, b.Enqueue(ctx, list...))
	k := b.queue("q")
	must(t, b.client.Set(ctx, k.job("string-key"), "garbage!", 0).Err())
	must(t, b.client.HSet(ctx, k.job("bad-json"), "d", "{not json").Err())
	must(t, b.client.HSet(ctx, k.job("bad-attempt"), "a", "one").Err())

	got := dequeue(t, b, "q", 10)
	if len(got) != 1 || got[0].ID != "good" {
		t.Fatalf("Dequeue returned %v, want only the good job", got)
	}
	dead, err := b.DeadLetters(ctx, jobs.DeadLetterQuery{})
	must(t, err)
	want := map[string]string{
		"string-key":  `holds a string instead of a job hash (starts with "garbage!")`,
		"bad-json":    "field d is not valid job JSON",
		"bad-attempt": `its attempt "one" is not a number`,
	}
	if len(dead) != len(want) {
		t.Fatalf("%d dead letters, want %d: %+v", len(dead), len(want), dead)
	}
	for _, j := range dead {
		if j.State != jobs.StateFailed || j.Error == nil || j.Error.Type != jobs.ErrorTypeCorrupt || !strings.Contains(j.Error.Message, want[j.ID]) {
			t.Errorf("dead letter %s: %s, error %+v; want failed corrupt_job mentioning %q", j.ID, j.State, j.Error, want[j.ID])
		}
		stored, err := b.Job(ctx, j.ID)
		if err != nil || stored.State != jobs.StateFailed {
			t.Errorf("Job(%s) = %s, %v; want the failed job", j.ID, stored.State, err)
		}
	}
	st, err := b.Stats(ctx)
	must(t, err)
	if st.Failed != 3 || st.DeadLetters != 3 || st.Queues[0].Running != 1 {
		t.Errorf("stats after burying: %+v", st)
	}
	// A job corrupted while it runs is buried when its lease expires.
	must(t, b.client.HSet(ctx, k.job("good"), "d", "[]").Err())
	clock.Advance(2 * time.Minute)
	n, err := b.RecoverExpired(ctx)
	if err != nil || n != 1 {
		t.Fatalf("RecoverExpired = %d, %v; want 1", n, err)
	}
	j, err := b.Job(ctx, "good")
	if err != nil || j.Error == nil || j.Error.Type != jobs.ErrorTypeCorrupt || j.Type != "" {
		t.Fatalf("Job(good) after recovery = %+v, %v", j, err)
	}
	// Deleting corrupt jobs works, even a key of the wrong type.
	must(t, b.client.Set(ctx, k.job("bad-json"), "garbage", 0).Err())
	must(t, b.Delete(ctx, "bad-json"))
	if _, err := b.Job(ctx, "bad-json"); !errors.Is(err, jobs.ErrJobNotFound) {
		t.Fatalf("Job after Delete: %v", err)
	}
}

func TestRedisDown(t *testing.T) {
	b, err := New(WithURL("redis://127.0.0.1:1/0"), WithTimeouts(100*time.Millisecond, 0, 0))
	must(t, err)
	defer b.Close()
	clock := runtime.SystemClock{}
	calls := map[string]func(ctx context.Context) error{
		"Enqueue": func(ctx context.Context) error { return b.Enqueue(ctx, job(t, clock, "x", "q")) },
		"Ack":     func(ctx context.Context) error { return b.Ack(ctx, job(t, clock, "x", "q")) },
		"Dequeue": func(ctx context.Context) error { _, err := b.Dequeue(ctx, "q", 1, time.Second); return err },
		"Stats":   func(ctx context.Context) error { _, err := b.Stats(ctx); return err },
		"Promote": func(ctx context.Context) error { _, err := b.PromoteDue(ctx); return err },
		"Job":     func(ctx context.Context) error { _, err := b.Job(ctx, "x"); return err },
	}
	for name, call := range calls {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := call(ctx)
		if err == nil || !strings.HasPrefix(err.Error(), "redis: ") || !strings.Contains(err.Error(), "connection refused") || ctx.Err() != nil {
			t.Errorf("%s with Redis down: err = %v, want a wrapped connection error before the deadline", name, err)
		}
		cancel()
	}
}

func TestCaps(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprintf("cluster=%v", cluster), func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock, withCluster(cluster), WithDeadLetterLimit(3), WithDeadLetterMaxAge(24*time.Hour),
				WithCompletedLimit(2), WithCompletedMaxAge(48*time.Hour), WithHistoryLimit(2))
			ctx := context.Background()
			for i := range 5 {
				must(t, b.Enqueue(ctx, job(t, clock, fmt.Sprintf("dead-%d", i), "q", jobs.WithMaxRetries(0))))
				run := dequeue(t, b, "q", 1)[0]
				failed, _ := run.Fail(jobs.JobError{Message: "x"}, clock.Now())
				must(t, b.Ack(ctx, failed))
				must(t, b.Enqueue(ctx, job(t, clock, fmt.Sprintf("done-%d", i), "q")))
				done, _ := dequeue(t, b, "q", 1)[0].Complete(nil, clock.Now())
				must(t, b.Ack(ctx, done))
				clock.Advance(time.Second)
			}
			dead, err := b.DeadLetters(ctx, jobs.DeadLetterQuery{Limit: 10})
			must(t, err)
			if len(dead) != 3 || dead[0].ID != "dead-4" || dead[2].ID != "dead-2" {
				t.Fatalf("dead letters after the count cap: %v", dead)
			}
			for _, id := range []string{"dead-0", "done-0", "done-2"} {
				if _, err := b.Job(ctx, id); !errors.Is(err, jobs.ErrJobNotFound) {
					t.Fatalf("Job(%s) of a trimmed job: %v", id, err)
				}
			}
			if _, err := b.Job(ctx, "done-3"); err != nil {
				t.Fatalf("Job(done-3): %v", err)
			}
			h, err := b.History(ctx, "test.job", 0)
			must(t, err)
			if len(h) != 2 || h[0].ID != "done-4" {
				t.Fatalf("history after the cap: %v", h)
			}
			clock.Advance(25 * time.Hour)
			_, err = b.PromoteDue(ctx)
			must(t, err)
			if dead, _ = b.DeadLetters(ctx, jobs.DeadLetterQuery{}); len(dead) != 0 {
				t.Fatalf("dead letters after the age cap: %v", dead)
			}
			// A trimmed job's ID is free again and the index holds no stale entries.
			must(t, b.Enqueue(ctx, job(t, clock, "done-0", "q")))
			if n := b.client.HLen(ctx, b.indexKey).Val(); n != 3 {
				t.Fatalf("ID index holds %d entries, want 3 (done-3, done-4, done-0)", n)
			}
		})
	}
}

// TestIndexHoldsChosenIDs checks that the ID index holds caller-chosen IDs
// and the IDs of unique jobs, but not generated IDs, single or batched,
// into one queue or several.
func TestIndexHoldsChosenIDs(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprintf("cluster=%v", cluster), func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock, withCluster(cluster))
			ctx := context.Background()
			generated := func(queue string, opts ...jobs.EnqueueOption) jobs.Job {
				j, err := jobs.NewJob("test.job", nil, jobs.ResolveEnqueueOptions(append(opts, jobs.WithQueue(queue))...), clock.Now())
				must(t, err)
				return j
			}
			unique := generated("a", jobs.UniqueByKey("k", 0))
			must(t, b.Enqueue(ctx, generated("a")))
			must(t, b.Enqueue(ctx, generated("a"), generated("a")))
			must(t, b.Enqueue(ctx, generated("a"), generated("b"), job(t, clock, "chosen-1", "b")))
			must(t, b.Enqueue(ctx, job(t, clock, "chosen-2", "a")))
			must(t, b.Enqueue(ctx, unique))
			ids, err := b.client.HKeys(ctx, b.indexKey).Result()
			must(t, err)
			slices.Sort(ids)
			want := []string{"chosen-1", "chosen-2", unique.ID}
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Fatalf("ID index holds %v, want %v", ids, want)
			}
		})
	}
}

func TestEnqueueSeveralQueuesAllOrNone(t *testing.T) {
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock)
	ctx := context.Background()
	must(t, b.Enqueue(ctx, job(t, clock, "taken", "c")))
	batch := []jobs.Job{job(t, clock, "a1", "a"), job(t, clock, "b1", "b"), job(t, clock, "taken", "b"), job(t, clock, "a2", "a")}
	if err := b.Enqueue(ctx, batch...); !errors.Is(err, jobs.ErrDuplicateJob) {
		t.Fatalf("Enqueue with a taken ID: %v", err)
	}
	for _, q := range []string{"a", "b"} {
		if n, _ := b.Size(ctx, q); n != 0 {
			t.Fatalf("queue %s holds %d jobs of the refused batch", q, n)
		}
	}
	batch[2] = job(t, clock, "b2", "b", jobs.WithPriority(jobs.PriorityCritical))
	must(t, b.Enqueue(ctx, batch...))
	if got := dequeue(t, b, "a", 10); len(got) != 2 || got[0].ID != "a1" {
		t.Fatalf("queue a: %v", got)
	}
	if got := dequeue(t, b, "b", 10); len(got) != 2 || got[0].ID != "b2" {
		t.Fatalf("queue b: %v", got)
	}
}

func TestWakeLatency(t *testing.T) {
	b := newTestBackend(t, nil)
	ctx := context.Background()
	clock := runtime.SystemClock{}
	var worst time.Duration
	for i := range 20 {
		got := make(chan time.Time, 1)
		go func() {
			list, err := b.Dequeue(ctx, "idle", 1, time.Minute)
			if err != nil || len(list) != 1 {
				t.Errorf("Dequeue: %v, %v", list, err)
			}
			got <- time.Now()
		}()
		time.Sleep(20 * time.Millisecond)
		start := time.Now()
		must(t, b.Enqueue(ctx, job(t, clock, fmt.Sprint("wake-", i), "idle")))
		worst = max(worst, (<-got).Sub(start))
	}
	t.Logf("worst enqueue-to-dequeue latency of a blocked worker: %s", worst)
	if worst > 100*time.Millisecond {
		t.Fatalf("a blocked Dequeue took %s to see an enqueue", worst)
	}
}

// TestCloseWithBlockedDequeue: Close returns at once while a Dequeue is
// blocked on an empty queue, and that Dequeue then fails.
func TestCloseWithBlockedDequeue(t *testing.T) {
	url := testenv.RedisURL(t)
	b, err := New(WithURL(url), WithPrefix("jobstest:"+uuid.NewString()[:13]))
	must(t, err)
	failed := make(chan error, 1)
	go func() {
		_, err := b.Dequeue(context.Background(), "q", 1, time.Minute)
		failed <- err
	}()
	time.Sleep(100 * time.Millisecond) // blocked on the wake-up marker
	closed := make(chan error, 1)
	go func() { closed <- b.Close() }()
	select {
	case err := <-closed:
		must(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs while a Dequeue is blocked")
	}
	select {
	case err := <-failed:
		if err == nil {
			t.Fatal("the blocked Dequeue returned no error after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the blocked Dequeue did not return after Close")
	}
}
