package faults

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// callDeadline is the context deadline of the calls of the unknown-outcome
// scenario, and deadlineSlack how far past it a call may return.
const callDeadline, deadlineSlack = 300 * time.Millisecond, 100 * time.Millisecond

// unknownOutcome freezes redis-server (SIGSTOP) for 3 s while two workers
// drain and three enqueuers enqueue jobs with IDs of their own, each call
// with a 300 ms deadline. Every call (Enqueue, Job, Stats) must return
// within its deadline plus 100 ms; an enqueue that fails with
// jobs.ErrOutcomeUnknown (or any other error) is retried with the same
// ID until it is stored or found stored (jobs.ErrDuplicateJob). After
// SIGCONT every job must run once, except those held across the freeze,
// and the jobs that finished just before the freeze must end completed.
func unknownOutcome(ctx context.Context, e *Env) error {
	const freeze, enqueuers, perEnqueuer = 3 * time.Second, 3, 20
	o := workers()
	if _, err := startDrain(ctx, e, 300, 2, o); err != nil {
		return err
	}
	if _, err := e.WaitLedger(ctx, 30*time.Second, "50 stored outcomes", func(ev []Event) bool {
		return Count(ev, EventAck, AnyProcess, true) >= 50
	}); err != nil {
		return err
	}
	calls := &callTimes{}
	var wg sync.WaitGroup
	results := make([]enqueueResult, enqueuers)
	for i := range enqueuers {
		wg.Go(func() {
			results[i] = enqueueWithDeadlines(ctx, e.Client, fmt.Sprintf("unsure-%d", i), perEnqueuer, calls)
		})
	}
	if err := sleep(ctx, 100*time.Millisecond); err != nil {
		return err
	}
	if err := e.Redis.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	frozenAt := time.Now()
	if !e.Redis.WaitState('T', 5*time.Second) {
		return errors.New("redis-server did not stop on SIGSTOP")
	}
	// Reads during the freeze are bound by their deadlines too.
	for range 3 {
		callCtx, cancel := context.WithTimeout(ctx, callDeadline)
		start := time.Now()
		_, _ = e.Backend.Stats(callCtx)
		calls.add(time.Since(start))
		start = time.Now()
		_, _ = e.Backend.Job(callCtx, "unsure-0-000")
		calls.add(time.Since(start))
		cancel()
	}
	if err := sleep(ctx, freeze-time.Since(frozenAt)); err != nil {
		return err
	}
	thawedAt := time.Now()
	if err := e.Redis.Signal(syscall.SIGCONT); err != nil {
		return err
	}
	wg.Wait()
	unknown, retries, foundStored := 0, 0, 0
	for _, r := range results {
		if r.err != nil {
			return r.err
		}
		e.Expect(jobs.StateCompleted, r.ids...)
		unknown, retries, foundStored = unknown+r.unknown, retries+r.retries, foundStored+r.foundStored
	}
	events, held, err := drainAfterThaw(ctx, e, thawedAt, o.withDefaults().Lease)
	if err != nil {
		return err
	}
	finishedBefore := endedBetween(events, frozenAt.Add(-500*time.Millisecond), frozenAt)
	for _, id := range finishedBefore {
		job, err := e.Backend.Job(ctx, id)
		if err != nil {
			return err
		}
		if job.State != jobs.StateCompleted {
			return fmt.Errorf("job %s finished in the 500 ms before the freeze and is %s (error %+v); want completed", id, job.State, job.Error)
		}
	}
	worst := calls.worst()
	e.Note("frozen %s; %d calls with a %s deadline, max overshoot %d ms; %d enqueues unknown (ErrOutcomeUnknown), %d retries with the same ID, %d found stored; %d jobs finished in the 500 ms before the freeze all completed; %d held across it",
		freeze, calls.count(), callDeadline, (worst - callDeadline).Milliseconds(), unknown, retries, foundStored, len(finishedBefore), len(held))
	if worst > callDeadline+deadlineSlack {
		return fmt.Errorf("a call with a %s deadline returned after %s", callDeadline, worst)
	}
	return nil
}

// callTimes collects how long calls took.
type callTimes struct {
	mu    sync.Mutex
	times []time.Duration
}

func (c *callTimes) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.times = append(c.times, d)
}

func (c *callTimes) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.times)
}

// worst is the longest call.
func (c *callTimes) worst() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var w time.Duration
	for _, d := range c.times {
		w = max(w, d)
	}
	return w
}

// enqueueResult is what one enqueuer of unknownOutcome did.
type enqueueResult struct {
	ids                           []string // stored, by this try or an earlier one
	unknown, retries, foundStored int
	err                           error
}

// enqueueWithDeadlines enqueues n jobs with IDs prefix-000 ..., each call
// with a callDeadline context, retrying a failed one with the same ID
// until it is stored or found stored, and records how long each call took.
func enqueueWithDeadlines(ctx context.Context, client *runtime.Client, prefix string, n int, calls *callTimes) enqueueResult {
	var r enqueueResult
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		for {
			callCtx, cancel := context.WithTimeout(ctx, callDeadline)
			start := time.Now()
			_, err := client.Enqueue(callCtx, workType, noArgs, jobs.WithJobID(id))
			calls.add(time.Since(start))
			cancel()
			if err == nil {
				break
			}
			if errors.Is(err, jobs.ErrDuplicateJob) {
				r.foundStored++
				break
			}
			if errors.Is(err, jobs.ErrOutcomeUnknown) {
				r.unknown++
			}
			if ctx.Err() != nil {
				r.err = fmt.Errorf("enqueue %s: %w", id, err)
				return r
			}
			r.retries++
			if err := sleep(ctx, 50*time.Millisecond); err != nil {
				r.err = err
				return r
			}
		}
		r.ids = append(r.ids, id)
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			r.err = err
			return r
		}
	}
	return r
}

// endedBetween returns the jobs whose handler returned without error in
// [from, to).
func endedBetween(events []Event, from, to time.Time) []string {
	ids := make(map[string]bool)
	for _, e := range events {
		if e.Kind == EventEnd && e.OK && !e.At.Before(from) && e.At.Before(to) {
			ids[e.JobID] = true
		}
	}
	return sortedKeys(ids)
}
