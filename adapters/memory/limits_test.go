package memory_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// fixture is a memory backend on a manual clock with helpers.
type fixture struct {
	t     *testing.T
	b     *memory.Backend
	clock *backendtest.Clock
}

func newFixture(t *testing.T, opts ...memory.Option) *fixture {
	clock := backendtest.NewClock(backendtest.Start)
	return &fixture{t: t, b: memory.New(append([]memory.Option{memory.WithClock(clock)}, opts...)...), clock: clock}
}

// run enqueues a job of jobType with no retries and leases it.
func (f *fixture) run(id, jobType string, opts ...jobs.EnqueueOption) jobs.Job {
	f.t.Helper()
	o := jobs.ResolveEnqueueOptions(append([]jobs.EnqueueOption{jobs.WithJobID(id), jobs.WithMaxRetries(0)}, opts...)...)
	j, err := jobs.NewJob(jobType, nil, o, f.clock.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.b.Enqueue(f.t.Context(), j); err != nil {
		f.t.Fatal(err)
	}
	batch, err := f.b.Dequeue(f.t.Context(), j.Queue, 1, time.Minute)
	if err != nil || len(batch) != 1 || batch[0].ID != id {
		f.t.Fatalf("Dequeue = %v, %v; want job %s", batch, err, id)
	}
	return batch[0]
}

// finish runs a job to completion (ok) or to the dead-letter queue.
func (f *fixture) finish(id, jobType string, ok bool) {
	f.t.Helper()
	j := f.run(id, jobType)
	now := f.clock.Now()
	var err error
	if ok {
		j, err = j.Complete(nil, now)
	} else {
		j, err = j.Fail(jobs.JobError{Message: "boom"}, now)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.b.Ack(f.t.Context(), j); err != nil {
		f.t.Fatal(err)
	}
}

// expectFound checks which of ids Job finds.
func (f *fixture) expectFound(found bool, ids ...string) {
	f.t.Helper()
	for _, id := range ids {
		_, err := f.b.Job(f.t.Context(), id)
		if found && err != nil {
			f.t.Fatalf("Job(%s): %v", id, err)
		}
		if !found && !errors.Is(err, jobs.ErrJobNotFound) {
			f.t.Fatalf("Job(%s): err = %v, want ErrJobNotFound", id, err)
		}
	}
}

func TestHistoryLimit(t *testing.T) {
	f := newFixture(t, memory.WithHistoryLimit(3))
	for i := range 5 {
		f.finish(fmt.Sprintf("j%d", i), "mail", i%2 == 0)
	}
	for _, limit := range []int{0, 10} {
		got, err := f.b.History(t.Context(), "mail", limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].ID != "j4" || got[1].ID != "j3" || got[2].ID != "j2" {
			t.Fatalf("History(mail, %d) = %d jobs starting %+v, want j4 j3 j2", limit, len(got), got)
		}
	}
}

func TestCompletedLimit(t *testing.T) {
	f := newFixture(t, memory.WithCompletedLimit(2))
	for i := range 4 {
		f.finish(fmt.Sprintf("j%d", i), "mail", true)
	}
	f.expectFound(false, "j0", "j1")
	f.expectFound(true, "j2", "j3")
	h, err := f.b.History(t.Context(), "mail", 0)
	if err != nil || len(h) != 4 {
		t.Fatalf("History keeps its own limit: got %d jobs, %v; want 4", len(h), err)
	}
}

func TestCompletedLimitZero(t *testing.T) {
	f := newFixture(t, memory.WithCompletedLimit(0))
	f.finish("j0", "mail", true)
	f.finish("j1", "mail", true)
	f.finish("d0", "mail", false)
	f.expectFound(false, "j0", "j1")
	f.expectFound(true, "d0")
	h, err := f.b.History(t.Context(), "mail", 0)
	if err != nil || len(h) != 3 {
		t.Fatalf("History = %d jobs, %v; want 3", len(h), err)
	}
	st, err := f.b.Stats(t.Context())
	if err != nil || st.Processed != 3 || st.Succeeded != 2 {
		t.Fatalf("Stats = %+v, %v; want 3 processed, 2 succeeded", st, err)
	}
	f.finish("j0", "mail", true) // the ID is free again
}

func TestDeadLetterLimit(t *testing.T) {
	f := newFixture(t, memory.WithDeadLetterLimit(2))
	for i := range 3 {
		f.finish(fmt.Sprintf("d%d", i), "mail", false)
	}
	f.expectFound(false, "d0")
	f.expectFound(true, "d1", "d2")
	st, err := f.b.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.DeadLetters != 2 || st.Queues[0].DeadLetters != 2 || st.Failed != 3 {
		t.Fatalf("Stats = %+v, want 2 dead letters and 3 failures", st)
	}
}

func TestDeadLetterMaxAge(t *testing.T) {
	f := newFixture(t, memory.WithDeadLetterMaxAge(time.Hour))
	f.finish("old", "mail", false)
	f.clock.Advance(40 * time.Minute)
	f.finish("young", "mail", false)
	f.clock.Advance(21 * time.Minute)
	dead, err := f.b.DeadLetters(t.Context(), jobs.DeadLetterQuery{})
	if err != nil || len(dead) != 1 || dead[0].ID != "young" {
		t.Fatalf("DeadLetters = %v, %v; want only young", dead, err)
	}
	f.expectFound(false, "old")
	f.clock.Advance(40 * time.Minute)
	st, err := f.b.Stats(t.Context())
	if err != nil || st.DeadLetters != 0 || st.Queues[0].DeadLetters != 0 {
		t.Fatalf("Stats = %+v, %v; want no dead letters", st, err)
	}
	f.expectFound(false, "young")
}

func TestReleaseKeepsItsTurn(t *testing.T) {
	f := newFixture(t)
	first := f.run("first", "mail")
	second, err := jobs.NewJob("mail", nil, jobs.ResolveEnqueueOptions(jobs.WithJobID("second")), f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.b.Enqueue(t.Context(), second); err != nil {
		t.Fatal(err)
	}
	back, err := first.Release(f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.b.Ack(t.Context(), back); err != nil {
		t.Fatal(err)
	}
	batch, err := f.b.Dequeue(t.Context(), jobs.DefaultQueue, 2, time.Minute)
	if err != nil || len(batch) != 2 || batch[0].ID != "first" || batch[1].ID != "second" {
		t.Fatalf("Dequeue after a release = %v, %v; want first, then second", batch, err)
	}
}

func TestWakesExactlyOnTime(t *testing.T) {
	b := memory.New()
	const delay = 150 * time.Millisecond
	j, err := jobs.NewJob("mail", nil, jobs.ResolveEnqueueOptions(jobs.RunIn(delay)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Enqueue(t.Context(), j); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	batch, err := b.Dequeue(ctx, jobs.DefaultQueue, 1, time.Minute)
	woke := time.Now()
	if err != nil || len(batch) != 1 {
		t.Fatalf("Dequeue = %v, %v", batch, err)
	}
	if late := woke.Sub(j.ExecuteAt); late < 0 || late > 250*time.Millisecond {
		t.Fatalf("Dequeue returned the scheduled job %s after its time, want within 0-250ms", late)
	}
}

func TestRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	running := f.run("r", "mail")
	bad := running
	if err := f.b.Ack(ctx, bad); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("Ack of a running job: err = %v, want ErrInvalidTransition", err)
	}
	if err := f.b.Delete(ctx, "r"); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("Delete of a running job: err = %v, want ErrInvalidTransition", err)
	}
	if err := f.b.Enqueue(ctx, running); !errors.Is(err, jobs.ErrInvalidJob) {
		t.Fatalf("Enqueue of a running job: err = %v, want ErrInvalidJob", err)
	}
	if _, err := f.b.Dequeue(ctx, "q", 1, 0); err == nil {
		t.Fatal("Dequeue with a zero lease succeeded")
	}
	if err := f.b.ReportWorkers(ctx, "p", nil, 0); err == nil {
		t.Fatal("ReportWorkers with a zero ttl succeeded")
	}
}

func TestCompletedMaxAge(t *testing.T) {
	f := newFixture(t, memory.WithCompletedMaxAge(time.Hour))
	f.finish("old", "mail", true)
	f.clock.Advance(40 * time.Minute)
	f.finish("young", "mail", true)
	j, err := jobs.NewJob("mail", nil, jobs.ResolveEnqueueOptions(jobs.WithJobID("dropped")), f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.b.Enqueue(t.Context(), j); err != nil {
		t.Fatal(err)
	}
	if _, err := f.b.Cancel(t.Context(), "dropped"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(20 * time.Minute)
	f.expectFound(true, "old", "young", "dropped") // "old" finished exactly an hour ago
	f.clock.Advance(time.Nanosecond)
	f.expectFound(false, "old")
	f.expectFound(true, "young", "dropped")
	f.clock.Advance(40 * time.Minute)
	f.expectFound(false, "young", "dropped")
	h, err := f.b.History(t.Context(), "mail", 0)
	if err != nil || len(h) != 2 {
		t.Fatalf("History keeps its own limit: got %d jobs, %v; want 2", len(h), err)
	}
}

func TestCompletedMaxAgeDefault(t *testing.T) {
	f := newFixture(t)
	f.finish("done", "mail", true)
	f.clock.Advance(jobs.DefaultCompletedMaxAge)
	f.expectFound(true, "done")
	f.clock.Advance(time.Nanosecond)
	f.expectFound(false, "done")
}

// TestRetentionKeepsUniqueKey checks that a job forgotten by a retention
// cap keeps its unique key until the TTL passes, while one without a TTL
// (which finished, so holds nothing) does not.
func TestRetentionKeepsUniqueKey(t *testing.T) {
	f := newFixture(t, memory.WithCompletedLimit(1))
	ctx := t.Context()
	enqueue := func(id string, opts ...jobs.EnqueueOption) error {
		o := jobs.ResolveEnqueueOptions(append([]jobs.EnqueueOption{jobs.WithJobID(id)}, opts...)...)
		j, err := jobs.NewJob("mail", nil, o, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return f.b.Enqueue(ctx, j)
	}
	complete := func(id string, opts ...jobs.EnqueueOption) {
		t.Helper()
		done, err := f.run(id, "mail", opts...).Complete(nil, f.clock.Now())
		if err == nil {
			err = f.b.Ack(ctx, done)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	digest := jobs.UniqueByKey("digest", time.Hour)
	complete("holder", digest)
	complete("plain", jobs.UniqueByKey("plain", 0))
	complete("filler")
	f.expectFound(false, "holder", "plain")

	var ue *jobs.UniqueJobExistsError
	if err := enqueue("dup", digest); !errors.As(err, &ue) || ue.ExistingJobID != "holder" {
		t.Fatalf("Enqueue within the TTL of a forgotten holder: err = %v, want the key held by holder", err)
	}
	if err := enqueue("plain-2", jobs.UniqueByKey("plain", 0)); err != nil {
		t.Fatalf("Enqueue of a forgotten finished holder's key: %v", err)
	}
	f.clock.Advance(time.Hour)
	if err := enqueue("next", digest); err != nil {
		t.Fatalf("Enqueue once the TTL passed: %v", err)
	}
	if err := enqueue("after", digest); !errors.As(err, &ue) || ue.ExistingJobID != "next" {
		t.Fatalf("Enqueue while next holds the key: err = %v, want the key held by next", err)
	}
}

// TestInvalidRetentionPanics: an option value out of range stops New with
// the kernel's message (jobs.Retention.Validate), the one the Redis
// backend's New returns as an error; before, memory ignored such values.
func TestInvalidRetentionPanics(t *testing.T) {
	tests := []struct {
		name string
		opt  memory.Option
		want string
	}{
		{"history 0", memory.WithHistoryLimit(0), "history limit (WithHistoryLimit) is 0"},
		{"completed -1", memory.WithCompletedLimit(-1), "completed limit (WithCompletedLimit) is -1"},
		{"completed age 0", memory.WithCompletedMaxAge(0), "completed max age (WithCompletedMaxAge) is 0s"},
		{"dead letters 0", memory.WithDeadLetterLimit(0), "dead-letter limit (WithDeadLetterLimit) is 0"},
		{"dead-letter age negative", memory.WithDeadLetterMaxAge(-time.Second), "dead-letter max age (WithDeadLetterMaxAge) is -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.Contains(msg, tt.want) {
					t.Fatalf("New panicked with %v, want a message saying %q", r, tt.want)
				}
			}()
			memory.New(tt.opt)
		})
	}
	memory.New(memory.WithCompletedLimit(0)) // keeping no completed job is valid
}
