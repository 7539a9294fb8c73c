package faults

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/jobsgo/jobs"
)

// clockReadingError bounds how early a job may start by the server clock
// as a worker reads it: TIME is read over a round trip whose two halves
// the reader cannot tell apart.
const clockReadingError = 50 * time.Millisecond

// clockSkew runs three workers whose host clocks are right, 5 minutes
// ahead and 5 minutes behind (wallclock.SetOffset) on jobs longer than a
// third of their lease: none may take another's lease, so every job starts
// once. Each skewed worker also enqueues jobs due 3 s later (RunIn): none
// may start before then (give or take clockReadingError).
func clockSkew(ctx context.Context, e *Env) error {
	const skew, due, scheduled = 5 * time.Minute, 3 * time.Second, 4
	if err := e.StartRedis(); err != nil {
		return err
	}
	ids, err := e.Enqueue(ctx, workType, 48, noArgs)
	if err != nil {
		return err
	}
	long := Behaviour{Sleep: 500 * time.Millisecond} // half the 1 s lease
	var schedules []Schedule
	for i, offset := range []time.Duration{0, skew, -skew} {
		o := WorkerOptions{ClockOffset: offset, Handlers: map[string]Behaviour{workType: long}}
		if offset != 0 {
			o.Schedule = Schedule{Type: workType, Prefix: fmt.Sprintf("due-%d", i), Count: scheduled, In: due}
			schedules = append(schedules, o.Schedule)
			e.Expect(jobs.StateCompleted, o.Schedule.IDs()...)
		}
		if _, err := e.StartWorker(o); err != nil {
			return err
		}
	}
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return err
	}
	events, err := e.Ledger()
	if err != nil {
		return err
	}
	if starts := Count(events, EventStart, AnyProcess, true); starts != len(ids)+len(schedules)*scheduled {
		return fmt.Errorf("%d handler starts for %d jobs: a skewed worker took a lease that had not expired", starts, len(ids)+len(schedules)*scheduled)
	}
	enqueued, started := map[string]time.Time{}, map[string]time.Time{}
	for _, ev := range events {
		switch ev.Kind {
		case EventEnqueue:
			enqueued[ev.JobID] = ev.At
		case EventStart:
			started[ev.JobID] = ev.At
		}
	}
	earliest := time.Duration(1<<63 - 1)
	for _, s := range schedules {
		for _, id := range s.IDs() {
			at, ok := enqueued[id]
			if !ok {
				return fmt.Errorf("scheduled job %s: no enqueue in the ledger", id)
			}
			wait := started[id].Sub(at)
			if wait < s.In-clockReadingError {
				return fmt.Errorf("scheduled job %s (RunIn %s, enqueued by a skewed worker) started %s after its enqueue", id, s.In, wait)
			}
			earliest = min(earliest, wait)
		}
	}
	e.Note("workers at 0, +5 min, -5 min: %d jobs of 500 ms on 1 s leases, each started once; %d jobs due in %s from the skewed ones started %.3f s after their enqueue at the earliest (tolerance %s)",
		len(ids), len(schedules)*scheduled, due, earliest.Seconds(), clockReadingError)
	return nil
}

// ignoredTimeout runs handlers that ignore their context and never
// return, with a 500 ms job timeout, on a one-slot worker: each attempt
// must be recorded as a timeout failure once the timeout and the grace
// have passed, and the slot freed, so that the ordinary jobs queued behind
// them complete; the worker reports how many handlers it abandoned.
func ignoredTimeout(ctx context.Context, e *Env) error {
	const stuckJobs = 2
	if err := e.StartRedis(); err != nil {
		return err
	}
	stuck, err := e.Enqueue(ctx, "stuck", stuckJobs, noArgs, jobs.WithMaxRetries(0))
	if err != nil {
		return err
	}
	e.Expect(jobs.StateFailed, stuck...)
	if _, err := e.Enqueue(ctx, workType, 20, noArgs); err != nil {
		return err
	}
	o := WorkerOptions{
		Workers: 1, JobTimeout: 500 * time.Millisecond, TimeoutGrace: 300 * time.Millisecond,
		Handlers: map[string]Behaviour{workType: work, "stuck": {Hang: true}},
	}
	w, err := e.StartWorker(o)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := e.WaitDrained(ctx, 20*time.Second); err != nil {
		return fmt.Errorf("a handler that ignores its context kept its slot: %w", err)
	}
	drained := time.Since(start)
	for _, id := range stuck {
		job, err := e.Backend.Job(ctx, id)
		if err != nil {
			return err
		}
		if job.Error == nil || job.Error.Type != jobs.ErrorTypeTimeout {
			return fmt.Errorf("stuck job %s: %s with error %+v; want an error of type %s", id, job.State, job.Error, jobs.ErrorTypeTimeout)
		}
	}
	w.ExpectExit()
	if err := w.Terminate(10 * time.Second); err != nil {
		return fmt.Errorf("%s with abandoned handlers: %w", w.Name, err)
	}
	out, err := w.Output()
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`abandoned handlers: (\d+)`).FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("%s did not report its abandoned handlers", w.Name)
	}
	if n, _ := strconv.Atoi(m[1]); n != stuckJobs {
		return fmt.Errorf("%s abandoned %d handlers; want %d", w.Name, n, stuckJobs)
	}
	e.Note("%d handlers ignored a 500 ms timeout (300 ms grace) on 1 slot: failed as %s, %s abandoned; the 20 jobs behind them done %.1f s after start",
		stuckJobs, jobs.ErrorTypeTimeout, m[1], drained.Seconds())
	return nil
}
