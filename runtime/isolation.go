package runtime

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
)

// IsolationWindow bounds how long a suspect job (Job.Suspect) keeps its
// process to itself: when its handler has run alone this long, the pool
// takes and starts other jobs beside it again. The job stays marked as
// isolated, so a crash of the process later in its run still counts
// against it (see Job.ExpireLease).
const IsolationWindow = 5 * time.Second

// turns decides which handlers of a pool may start: any number of
// ordinary jobs side by side, or one suspect job alone. While a suspect
// waits for its turn or runs alone, the pool takes no new jobs.
type turns struct {
	mu      sync.Mutex
	running int  // handlers running beside others
	alone   bool // a suspect's handler runs alone
	waiting int  // suspects waiting for their turn
	// changed is closed, and replaced, whenever the fields above change.
	changed chan struct{}
	// leave is leaveBeside, bound once.
	leave func()
}

func newTurns() *turns {
	t := &turns{changed: make(chan struct{})}
	t.leave = t.leaveBeside
	return t
}

// signal wakes the waiters; t.mu is held.
func (t *turns) signal() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// open reports whether the pool may take new jobs: no suspect waits for
// its turn or runs alone.
func (t *turns) open() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.free()
}

// waitOpen waits until the pool may take new jobs; false when ctx ended
// the wait.
func (t *turns) waitOpen(ctx context.Context) bool {
	if !t.await(ctx, nil, t.free) {
		return false
	}
	t.mu.Unlock()
	return true
}

// free reports, with t.mu held, that no suspect waits or runs alone.
func (t *turns) free() bool { return t.waiting == 0 && !t.alone }

// await waits until ready (called with t.mu held) holds, then returns
// true with t.mu held. It returns false, without the lock, when ctx is
// done or stop is closed first.
func (t *turns) await(ctx context.Context, stop <-chan struct{}, ready func() bool) bool {
	t.mu.Lock()
	for !ready() {
		changed := t.changed
		t.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		case <-stop:
			return false
		}
		t.mu.Lock()
	}
	return true
}

// beside waits until an ordinary job may start (no suspect waits or runs
// alone) and counts it as running; false when ctx or stop ended the wait.
// The caller calls leaveBeside when the handler ends.
func (t *turns) beside(ctx context.Context, stop <-chan struct{}) bool {
	if !t.await(ctx, stop, t.free) {
		return false
	}
	t.running++
	t.mu.Unlock()
	return true
}

// leaveBeside ends a turn that beside began.
func (t *turns) leaveBeside() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.running--
	if t.waiting > 0 { // only a suspect waits for fewer handlers
		t.signal()
	}
}

// aloneTurn is a suspect's turn alone; its fields are guarded by t.mu.
type aloneTurn struct {
	t       *turns
	yielded bool // the window passed: the job now runs beside others
	ended   bool
}

// solo waits until no other handler runs and takes the process for one
// suspect; nil when ctx or stop ended the wait.
func (t *turns) solo(ctx context.Context, stop <-chan struct{}) *aloneTurn {
	t.mu.Lock()
	t.waiting++
	t.signal() // the fetchers stop taking jobs
	t.mu.Unlock()
	ok := t.await(ctx, stop, func() bool { return !t.alone && t.running == 0 })
	if !ok {
		t.mu.Lock()
	}
	t.waiting--
	if ok {
		t.alone = true
	}
	t.signal()
	t.mu.Unlock()
	if !ok {
		return nil
	}
	return &aloneTurn{t: t}
}

// yield lets other jobs start beside the suspect, whose handler still
// runs: it now counts as running beside them.
func (a *aloneTurn) yield() {
	a.t.mu.Lock()
	defer a.t.mu.Unlock()
	if a.ended || a.yielded {
		return
	}
	a.yielded = true
	a.t.alone = false
	a.t.running++
	a.t.signal()
}

// end ends the suspect's turn.
func (a *aloneTurn) end() {
	a.t.mu.Lock()
	defer a.t.mu.Unlock()
	a.ended = true
	if a.yielded {
		a.t.running--
	} else {
		a.t.alone = false
	}
	a.t.signal()
}

// executeInTurn runs rj when its turn comes: an ordinary job as soon as
// no suspect waits or runs alone, a suspect alone (see runAlone). The turn
// lasts until finish has stored the outcome (rj.leave), so that no other
// handler starts before a suspect's outcome is stored. A job whose handler
// never started is handed back at shutdown, without counting its attempt.
// The results are execute's.
func (e *executor) executeInTurn(rj *runningJob) (outcome jobs.Job, ok, abandoned bool) {
	if rj.job.Suspect() {
		return e.runAlone(rj)
	}
	if !e.turns.beside(rj.ctx, e.taking.Done()) {
		outcome, ok = e.unstarted(rj)
		return outcome, ok, false
	}
	rj.leave = e.turns.leave
	return e.execute(rj)
}

// runAlone runs a suspect job with no other handler of the process beside
// it: it waits for the running handlers to end (the pool takes no new
// jobs meanwhile), marks the job as isolated in the backend, which makes a
// crash during its run count against it alone, and runs it. Other jobs
// start again when its outcome is stored or after IsolationWindow.
func (e *executor) runAlone(rj *runningJob) (outcome jobs.Job, ok, abandoned bool) {
	turn := e.turns.solo(rj.ctx, e.taking.Done())
	if turn == nil {
		outcome, ok = e.unstarted(rj)
		return outcome, ok, false
	}
	if err := e.isolate(rj); err != nil {
		turn.end()
		if errors.Is(err, jobs.ErrLeaseLost) {
			return jobs.Job{}, false, false
		}
		outcome, ok = e.unstarted(rj)
		return outcome, ok, false
	}
	window := time.AfterFunc(IsolationWindow, turn.yield)
	rj.leave = func() {
		window.Stop()
		turn.end()
	}
	logJob(e.log, slog.LevelInfo, rj.job, "jobs: running a suspect job alone: its worker stopped before while it ran beside others",
		"refunded_attempts", rj.job.Refunded)
	return e.execute(rj)
}

// isolate stores the mark of rj's job as running alone, trying again while
// the backend fails. It fails with ErrLeaseLost when the lease was lost,
// and with the reason when the job's context ends or the pool shuts down
// first.
func (e *executor) isolate(rj *runningJob) error {
	delay := 50 * time.Millisecond
	for {
		err := e.backend.Isolate(rj.ctx, rj.job)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, jobs.ErrLeaseLost):
			logJob(e.log, slog.LevelWarn, rj.job, "jobs: lease lost before a suspect job could run alone; not run here", "err", err)
			return err
		case rj.ctx.Err() != nil:
			return rj.ctx.Err()
		}
		logJob(e.log, slog.LevelError, rj.job, "jobs: could not mark a suspect job as running alone; trying again", "err", err, "backoff", delay)
		select {
		case <-rj.ctx.Done():
			return rj.ctx.Err()
		case <-e.taking.Done():
			return e.taking.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// unstarted is the outcome of a job whose handler never started: none when
// it was cancelled or its lease was lost, else (the pool shuts down) the
// job handed back to its queue without counting the attempt.
func (e *executor) unstarted(rj *runningJob) (outcome jobs.Job, ok bool) {
	switch cause := context.Cause(rj.ctx); {
	case errors.Is(cause, jobs.ErrJobCancelled):
		logJob(e.log, slog.LevelInfo, rj.job, "jobs: job cancelled before its handler started")
		return jobs.Job{}, false
	case errors.Is(cause, jobs.ErrLeaseLost):
		logJob(e.log, slog.LevelWarn, rj.job, "jobs: lease lost before the handler started; not run here")
		return jobs.Job{}, false
	}
	logJob(e.log, slog.LevelInfo, rj.job, "jobs: shutting down before the job's turn came; handed back to its queue")
	return mustTransition(rj.job.Release(e.cfg.Clock.Now())), true
}
