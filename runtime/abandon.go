package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
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
// One timer per slot, reset for each attempt, keeps the normal path free
// of allocations.
type watchdog struct {
	mu    sync.Mutex
	timer *time.Timer // fires at deadline; stopped while no attempt is watched
	// rj is the watched attempt's job, nil when none is; hctx and timeout
	// are its handler's context and bound.
	rj       *runningJob
	hctx     context.Context
	timeout  time.Duration
	deadline time.Time // when the attempt is abandoned
}

// watch starts watching rj's attempt, whose handler runs with hctx bounded
// by timeout: it is abandoned timeout+grace from now, or grace from now if
// rj was interrupted before its handler started, unless it ends first.
func (w *watchdog) watch(rj *runningJob, hctx context.Context, timeout, grace time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rj, w.hctx, w.timeout = rj, hctx, timeout
	d := timeout + grace
	if rj.ctx.Err() != nil {
		d = grace
	}
	w.deadline = time.Now().Add(d)
	w.timer.Reset(d)
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
		w.timer.Reset(grace)
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
	w.timer.Stop()
	return true
}

// due takes the watched attempt off the watchdog when its deadline has
// passed, for abandon; rj is nil when there is none (the timer fired late,
// for an attempt that has ended since).
func (w *watchdog) due() (rj *runningJob, hctx context.Context, timeout time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.rj == nil || time.Now().Before(w.deadline) {
		return nil, nil, 0
	}
	rj, hctx, timeout = w.rj, w.hctx, w.timeout
	w.rj, w.hctx = nil, nil
	return rj, hctx, timeout
}

// readyWatchdog gives wd its timer, stopped.
func (p *Pool) readyWatchdog(wd *watchdog) {
	wd.timer = time.AfterFunc(time.Hour, func() { p.abandon(wd) })
	wd.timer.Stop()
}

// runWatched runs rj's handler with hctx, its context bounded by timeout.
// abandoned is true when the handler returned only after the pool gave up
// on it: the attempt has its outcome already and the slot has a new
// worker, so the caller must drop result and err and touch nothing.
func (p *Pool) runWatched(rj *runningJob, hctx context.Context, timeout time.Duration, run Handler) (result json.RawMessage, err error, abandoned bool) {
	wd := &rj.workers.slots[rj.slot].watch
	wd.watch(rj, hctx, timeout, p.cfg.TimeoutGrace)
	result, err = run(hctx, rj.job)
	if !wd.returned(rj) {
		p.logJob(slog.LevelWarn, rj.job, "jobs: abandoned handler returned; its result is discarded", "err", err)
		return nil, nil, true
	}
	return result, err, false
}

// interrupt cancels rj's context with cause (nil at shutdown) and gives
// its handler TimeoutGrace to return.
func (p *Pool) interrupt(rj *runningJob, cause error) {
	rj.cancel(cause)
	rj.workers.slots[rj.slot].watch.interrupted(rj, p.cfg.TimeoutGrace)
}

// abandon gives up on the attempt wd watches, whose handler is past its
// deadline: it logs and counts it, settles the attempt as if the handler
// had returned an error (a timeout when the attempt's own deadline passed),
// and takes over the worker slot, whose old goroutine is stuck in the
// handler. It runs on the watchdog timer's goroutine, which becomes the
// slot's worker.
func (p *Pool) abandon(wd *watchdog) {
	rj, hctx, timeout := wd.due()
	if rj == nil {
		return
	}
	p.abandoned.Add(1)
	timedOut := errors.Is(hctx.Err(), context.DeadlineExceeded) && rj.ctx.Err() == nil
	why := fmt.Sprintf("after its timeout of %s", timeout)
	if !timedOut {
		why = fmt.Sprintf("after its context was cancelled (%s)", interruptionCause(rj.ctx))
	}
	msg := fmt.Sprintf("handler did not return %s %s; abandoned its goroutine, which may still be running", p.cfg.TimeoutGrace, why)
	p.logJob(slog.LevelError, rj.job, "jobs: "+msg, "timeout", timeout, "grace", p.cfg.TimeoutGrace)
	a := attempt{err: errors.New(msg), timeout: timeout, timedOut: timedOut, abandoned: true}
	outcome, ok := p.settle(rj, a)
	if p.serve(rj.workers, rj.slot, p.finish(rj, outcome, ok)) {
		p.work(rj.workers, rj.slot)
	}
}

// interruptionCause names why a job's context was cancelled.
func interruptionCause(ctx context.Context) string {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, ErrJobCancelled):
		return "job cancelled"
	case errors.Is(cause, ErrLeaseLost):
		return "lease lost"
	default:
		return "shutdown"
	}
}

// AbandonedHandlers is how many handlers this pool has abandoned since it
// was created because they did not return within TimeoutGrace of their
// context's end (see PoolConfig.TimeoutGrace). Their goroutines may still
// be running.
func (p *Pool) AbandonedHandlers() int64 { return p.abandoned.Load() }
