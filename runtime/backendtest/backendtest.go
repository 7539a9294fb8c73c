// Package backendtest is the conformance suite of jobs.Backend. Every
// storage adapter runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		backendtest.Run(t, func(t *testing.T, clock jobs.Clock) jobs.Backend {
//			return memory.New(memory.WithClock(clock))
//		})
//	}
//
// The factory must return a backend with no state shared with any other call
// (for Redis: a fresh key prefix) that tells every time by clock: execute-at
// times, lease deadlines, durations and worker-report expiry. The suite moves
// the clock by hand instead of sleeping, so a backend that reads the wall
// clock (or lets Redis expire keys on its own) fails it.
//
// The groups cover the queue (priority, FIFO, batches, blocking dequeue),
// scheduling, leases and fencing, the dead-letter queue, statistics,
// concurrency, the Inspector (pages, pause, bulk repair), unique jobs,
// cancelling running jobs, periodic tick claims, lease expiries charged
// only to isolated jobs (jobs.Isolator) and, for backends that have
// them, jobs.AckDequeuer and jobs.ThroughputReader (per-minute
// counters).
package backendtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// Start is the time every test's clock starts at.
var Start = time.Date(2031, time.March, 4, 5, 6, 7, 0, time.UTC)

// Clock is a goroutine-safe manual jobs.Clock: it stands still until
// Advance or Set moves it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads t.
func NewClock(t time.Time) *Clock {
	return &Clock{now: t}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// test is one conformance test.
type test struct {
	name string
	run  func(s *suite)
}

// Run runs the whole suite, each test as a subtest on a backend of its own.
func Run(t *testing.T, newBackend func(t *testing.T, clock jobs.Clock) jobs.Backend) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Queue", queueTests},
		{"Schedule", scheduleTests},
		{"Lease", leaseTests},
		{"DeadLetter", deadLetterTests},
		{"Stats", statsTests},
		{"Concurrency", concurrencyTests},
		{"Inspector", inspectorTests},
		{"Unique", uniqueTests},
		{"Cancel", cancelTests},
		{"Periodic", periodicTests},
		{"AckDequeue", ackDequeueTests},
		{"Isolate", isolateTests},
		{"AttemptLog", attemptLogTests},
		{"ListFilter", filterTests},
		{"Throughput", throughputTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(newSuite(t, newBackend)) })
			}
		})
	}
}

// Timeouts of the suite's blocking calls.
const (
	// waitTimeout bounds a Dequeue that must find a job.
	waitTimeout = 5 * time.Second
	// emptyWait is how long a Dequeue that must find nothing waits.
	emptyWait = 50 * time.Millisecond
	// lease is the lease length tests dequeue with.
	lease = 30 * time.Second
)

// suite is one test's backend, clock and helpers. Helpers fail the test on
// any unexpected error.
type suite struct {
	t          *testing.T
	b          jobs.Backend
	clock      *Clock
	ctx        context.Context
	newBackend func(t *testing.T, clock jobs.Clock) jobs.Backend
}

// newSuite gives t a fresh clock and backend.
func newSuite(t *testing.T, newBackend func(t *testing.T, clock jobs.Clock) jobs.Backend) *suite {
	clock := NewClock(Start)
	return &suite{t: t, b: newBackend(t, clock), clock: clock, ctx: t.Context(), newBackend: newBackend}
}

// each runs fn as a subtest with a fresh clock and backend of its own.
func (s *suite) each(name string, fn func(s *suite)) {
	s.t.Helper()
	s.t.Run(name, func(t *testing.T) { fn(newSuite(t, s.newBackend)) })
}

// newJob makes a valid job with the given ID, stamped with the clock, with
// args {"id":"<id>"}.
func (s *suite) newJob(id string, opts ...jobs.EnqueueOption) jobs.Job {
	s.t.Helper()
	args := fmt.Appendf(nil, `{"id":%q}`, id)
	j, err := jobs.NewJob("test.job", args, jobs.ResolveEnqueueOptions(append([]jobs.EnqueueOption{jobs.WithJobID(id)}, opts...)...), s.clock.Now())
	if err != nil {
		s.t.Fatalf("NewJob(%s): %v", id, err)
	}
	return j
}

// enqueue stores jobs.
func (s *suite) enqueue(batch ...jobs.Job) {
	s.t.Helper()
	if err := s.b.Enqueue(s.ctx, batch...); err != nil {
		s.t.Fatalf("Enqueue(%v): %v", ids(batch), err)
	}
}

// add makes and enqueues one job.
func (s *suite) add(id string, opts ...jobs.EnqueueOption) jobs.Job {
	s.t.Helper()
	j := s.newJob(id, opts...)
	s.enqueue(j)
	return j
}

// dequeue leases up to max jobs of queue, which must have at least one.
func (s *suite) dequeue(queue string, max int) []jobs.Job {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, waitTimeout)
	defer cancel()
	batch, err := s.b.Dequeue(ctx, queue, max, lease)
	if err != nil {
		s.t.Fatalf("Dequeue(%s, %d): %v", queue, max, err)
	}
	if len(batch) == 0 || len(batch) > max {
		s.t.Fatalf("Dequeue(%s, %d) returned %d jobs", queue, max, len(batch))
	}
	return batch
}

// dequeueOne leases the next job of queue and checks its ID.
func (s *suite) dequeueOne(queue, wantID string) jobs.Job {
	s.t.Helper()
	j := s.dequeue(queue, 1)[0]
	if j.ID != wantID {
		s.t.Fatalf("Dequeue(%s) = job %s, want %s", queue, j.ID, wantID)
	}
	return j
}

// expectEmpty checks that Dequeue finds nothing in queue: it must wait and
// end with the context's deadline error.
func (s *suite) expectEmpty(queue string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, emptyWait)
	defer cancel()
	batch, err := s.b.Dequeue(ctx, queue, 10, lease)
	if len(batch) > 0 {
		s.t.Fatalf("Dequeue(%s) = %v, want nothing", queue, ids(batch))
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		s.t.Fatalf("Dequeue(%s) on an empty queue: err = %v, want context.DeadlineExceeded", queue, err)
	}
}

// ack stores an outcome.
func (s *suite) ack(j jobs.Job) {
	s.t.Helper()
	if err := s.b.Ack(s.ctx, j); err != nil {
		s.t.Fatalf("Ack(%s %s attempt %d): %v", j.ID, j.State, j.Attempt, err)
	}
}

// complete completes a running job and acknowledges it.
func (s *suite) complete(j jobs.Job) jobs.Job {
	s.t.Helper()
	done := s.completed(j)
	s.ack(done)
	return done
}

// completed is j completed now, not yet stored.
func (s *suite) completed(j jobs.Job) jobs.Job {
	s.t.Helper()
	done, err := j.Complete([]byte(`{"ok":true}`), s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	return done
}

// fail fails a running job for good and acknowledges it.
func (s *suite) fail(j jobs.Job) jobs.Job {
	s.t.Helper()
	failed, err := j.Fail(jobs.JobError{Message: "boom " + j.ID, Type: "*errors.errorString"}, s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	s.ack(failed)
	return failed
}

// retry acknowledges a failed attempt of a running job, to run again after d.
func (s *suite) retry(j jobs.Job, d time.Duration) jobs.Job {
	s.t.Helper()
	now := s.clock.Now()
	r, err := j.PrepareRetry(jobs.JobError{Message: "try again", Type: "*errors.errorString"}, now.Add(d), now)
	if err != nil {
		s.t.Fatal(err)
	}
	s.ack(r)
	return r
}

// deadLetter enqueues a job with no retries, runs it and fails it.
func (s *suite) deadLetter(id string, opts ...jobs.EnqueueOption) jobs.Job {
	s.t.Helper()
	j := s.add(id, append(opts, jobs.WithMaxRetries(0))...)
	return s.fail(s.dequeueOne(j.Queue, id))
}

// find returns the stored job.
func (s *suite) find(id string) jobs.Job {
	s.t.Helper()
	j, err := s.b.Job(s.ctx, id)
	if err != nil {
		s.t.Fatalf("Job(%s): %v", id, err)
	}
	return j
}

// expectState checks the stored job's state and attempt count.
func (s *suite) expectState(id string, state jobs.State, attempt int) jobs.Job {
	s.t.Helper()
	j := s.find(id)
	if j.State != state || j.Attempt != attempt {
		s.t.Fatalf("job %s is %s at attempt %d, want %s at attempt %d", id, j.State, j.Attempt, state, attempt)
	}
	return j
}

// expectSize checks the number of pending jobs of queue.
func (s *suite) expectSize(queue string, want int) {
	s.t.Helper()
	n, err := s.b.Size(s.ctx, queue)
	if err != nil {
		s.t.Fatalf("Size(%s): %v", queue, err)
	}
	if n != want {
		s.t.Fatalf("Size(%s) = %d, want %d", queue, n, want)
	}
}

// promote runs PromoteDue and checks how many jobs it moved.
func (s *suite) promote(want int) {
	s.t.Helper()
	n, err := s.b.PromoteDue(s.ctx)
	if err != nil {
		s.t.Fatalf("PromoteDue: %v", err)
	}
	if n != want {
		s.t.Fatalf("PromoteDue moved %d jobs, want %d", n, want)
	}
}

// recover runs RecoverExpired and checks how many jobs it moved.
func (s *suite) recover(want int) {
	s.t.Helper()
	n, err := s.b.RecoverExpired(s.ctx)
	if err != nil {
		s.t.Fatalf("RecoverExpired: %v", err)
	}
	if n != want {
		s.t.Fatalf("RecoverExpired moved %d jobs, want %d", n, want)
	}
}

// expectErr checks that err matches target.
func (s *suite) expectErr(what string, err, target error) {
	s.t.Helper()
	if !errors.Is(err, target) {
		s.t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

// ids lists the IDs of jobs in order.
func ids(batch []jobs.Job) []string {
	out := make([]string, len(batch))
	for i, j := range batch {
		out[i] = j.ID
	}
	return out
}

// expectIDs checks the IDs of jobs, in order.
func (s *suite) expectIDs(what string, batch []jobs.Job, want ...string) {
	s.t.Helper()
	if got := ids(batch); !slices.Equal(got, want) {
		s.t.Fatalf("%s = %v, want %v", what, got, want)
	}
}
