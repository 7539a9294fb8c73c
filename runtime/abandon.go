package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
)

// DefaultTimeoutGrace is how long a handler may run on after its context
// ends before the pool abandons it.
const DefaultTimeoutGrace = 5 * time.Second

// watchdog is a worker slot's guard against a handler that ignores its
// context. It gives up on the attempt running in the slot once the
// attempt's timeout plus the pool's TimeoutGrace has passed, or TimeoutGrace
// after the job was interrupted (cancelled, lease lost, shutdown), if its
// handler has not returned by then. Go cannot stop a goroutine, so the
// handler's goroutine is abandoned: the attempt is settled without it and a
// new goroutine takes over the slot.
//
// The slot's one timer is moved only when an attempt is due before it
// fires; when it fires early (for an attempt that has ended, or before the
// current one is due) it is set again. Attempts of similar timeouts
// therefore cost two uncontended locks each and no timer operation.
type watchdog struct {
	mu      sync.Mutex
	timer   *time.Timer
	firesAt time.Time // when timer fires; zero when it is not set
	// rj is the watched attempt's job, nil when none is; hctx and timeout
	// are its handler's context and bound, deadline when it is abandoned.
	rj       *runningJob
	hctx     context.Context
	timeout  time.Duration
	deadline time.Time
}

// watch starts watching rj's attempt, whose handler runs with hctx, a
// context whose deadline is timeout from now: it is abandoned grace after
// that deadline, or grace from now if rj was interrupted before its handler
// started, unless it ends first.
func (w *watchdog) watch(rj *runningJob, hctx context.Context, timeout, grace time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rj, w.hctx, w.timeout = rj, hctx, timeout
	if rj.ctx.Err() != nil {
		w.deadline = time.Now().Add(grace)
	} else {
		// The context's deadline saves reading the clock per job.
		deadline, _ := hctx.Deadline()
		w.deadline = deadline.Add(grace)
	}
	w.fireBy(w.deadline)
}

// fireBy makes the timer fire by at; w.mu is held.
func (w *watchdog) fireBy(at time.Time) {
	if w.firesAt.IsZero() || at.Before(w.firesAt) {
		w.firesAt = at
		w.timer.Reset(time.Until(at))
	}
}

// interrupted brings rj's deadline forward to grace from now, rj's context
// having been cancelled, if rj is watched and was due later.
func (w *watchdog) interrupted(rj *runningJob, grace time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.rj != rj {
		return
	}
	if at := time.Now().Add(grace); at.Before(w.deadline) {
		w.deadline = at
		w.fireBy(at)
	}
}

// returned stops watching rj, whose handler returned; it reports false
// when rj had been abandoned already.
func (w *watchdog) returned(rj *runningJob) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.rj != rj {
		return false
	}
	w.rj, w.hctx = nil, nil
	return true
}

// due is called when the timer fires. It takes the watched attempt off the
// watchdog when its deadline has passed, for abandon; rj is nil when there
// is none to abandon (none is watched, or the one watched is not due yet:
// the timer is set again for it).
func (w *watchdog) due() (rj *runningJob, hctx context.Context, timeout time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.firesAt = time.Time{}
	switch {
	case w.rj == nil:
		return nil, nil, 0
	case time.Now().Before(w.deadline):
		w.fireBy(w.deadline)
		return nil, nil, 0
	}
	rj, hctx, timeout = w.rj, w.hctx, w.timeout
	w.rj, w.hctx = nil, nil
	return rj, hctx, timeout
}

// readyWatchdog gives wd its timer, not set.
func (e *executor) readyWatchdog(wd *watchdog) {
	wd.timer = time.AfterFunc(time.Hour, func() { e.abandon(wd) })
	wd.timer.Stop()
}

// runWatched runs rj's handler with hctx, its context bounded by timeout.
// abandoned is true when the handler returned only after the pool gave up
// on it: the attempt has its outcome already and the slot has a new
// worker, so the caller must drop result and err and touch nothing.
func (e *executor) runWatched(rj *runningJob, hctx context.Context, timeout time.Duration, run Handler) (abandoned bool, result json.RawMessage, err error) {
	wd := &rj.workers.slots[rj.slot].watch
	wd.watch(rj, hctx, timeout, e.cfg.TimeoutGrace)
	result, err = run(hctx, rj.job)
	if !wd.returned(rj) {
		logJob(e.log, slog.LevelWarn, rj.job, "jobs: abandoned handler returned; its result is discarded", "err", err)
		return true, nil, nil
	}
	return false, result, err
}

// abandon gives up on the attempt wd watches, whose handler is past its
// deadline: it logs and counts it, settles the attempt as if the handler
// had returned an error (a timeout when the attempt's own deadline passed),
// and takes over the worker slot, whose old goroutine is stuck in the
// handler. It runs on the watchdog timer's goroutine, which becomes the
// slot's worker.
func (e *executor) abandon(wd *watchdog) {
	rj, hctx, timeout := wd.due()
	if rj == nil {
		return
	}
	e.abandoned.Add(1)
	timedOut := errors.Is(hctx.Err(), context.DeadlineExceeded) && rj.ctx.Err() == nil
	why := fmt.Sprintf("after its timeout of %s", timeout)
	if !timedOut {
		why = fmt.Sprintf("after its context was cancelled (%s)", interruptionCause(rj.ctx))
	}
	msg := fmt.Sprintf("handler did not return %s %s; abandoned its goroutine, which may still be running", e.cfg.TimeoutGrace, why)
	logJob(e.log, slog.LevelError, rj.job, "jobs: "+msg, "timeout", timeout, "grace", e.cfg.TimeoutGrace)
	a := attempt{err: errors.New(msg), timeout: timeout, timedOut: timedOut, abandoned: true}
	outcome, ok := e.settle(rj, a)
	if e.serve(rj.workers, rj.slot, e.finish(rj, outcome, ok)) {
		e.work(rj.workers, rj.slot)
	}
}

// interruptionCause names why a job's context was cancelled.
func interruptionCause(ctx context.Context) string {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, jobs.ErrJobCancelled):
		return "job cancelled"
	case errors.Is(cause, jobs.ErrLeaseLost):
		return "lease lost"
	default:
		return "shutdown"
	}
}
