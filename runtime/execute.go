package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jobsgo/jobs"
)

// attempt is what one run of a handler produced.
type attempt struct {
	result    json.RawMessage
	err       error
	timeout   time.Duration // the attempt's bound, for the timeout message
	timedOut  bool          // the attempt's own deadline passed
	permanent bool          // never retry (unknown type, missing tenant ...)
	errType   string        // JobError.Type override
	abandoned bool          // the handler did not return; the pool gave up on it
}

// execute runs one leased job and returns the outcome to store; ok is
// false when there is none (the job was cancelled, or its lease lost).
// abandoned is true when the pool gave up on the handler before it
// returned: another goroutine has settled the job and serves the slot.
func (e *executor) execute(rj *runningJob) (outcome jobs.Job, ok, abandoned bool) {
	a := e.runHandler(rj)
	if a.abandoned {
		return jobs.Job{}, false, true
	}
	outcome, ok = e.settle(rj, a)
	return outcome, ok, false
}

// settle turns the attempt a of rj into the outcome to store; ok is false
// when there is none (the job was cancelled, or its lease lost).
func (e *executor) settle(rj *runningJob, a attempt) (outcome jobs.Job, ok bool) {
	job := rj.job
	if rj.ctx.Err() != nil && a.err != nil && !a.timedOut {
		handler := "handler stopped"
		if a.abandoned {
			handler = "handler abandoned"
		}
		switch cause := context.Cause(rj.ctx); {
		case errors.Is(cause, jobs.ErrJobCancelled):
			logJob(e.log, slog.LevelInfo, job, "jobs: job cancelled while running; "+handler, "err", a.err)
		case errors.Is(cause, jobs.ErrLeaseLost):
			// Another worker may own the job now: this one must not
			// report on it.
			logJob(e.log, slog.LevelWarn, job, "jobs: lease lost while running; outcome discarded", "err", a.err)
		default:
			logJob(e.log, slog.LevelWarn, job, "jobs: job interrupted by shutdown; handed back to its queue")
			return mustTransition(job.Release(e.cfg.Clock.Now())), true
		}
		return jobs.Job{}, false
	}
	next := e.handlers.decide(job, a, e.cfg.Clock.Now())
	switch next.State {
	case jobs.StateCompleted:
		logJob(e.log, slog.LevelDebug, job, "jobs: job completed", "duration", next.FinishedAt.Sub(job.StartedAt))
	case jobs.StateRetrying:
		logJob(e.log, slog.LevelWarn, job, "jobs: job failed; will retry", "err", next.Error.Message, "retry_at", next.ExecuteAt)
	case jobs.StateFailed:
		logJob(e.log, slog.LevelError, job, "jobs: job failed; moved to the dead-letter queue", "err", next.Error.Message, "error_type", next.Error.Type)
	}
	return next, true
}

// runHandler looks the job's handler up and runs it with its timeout,
// watched (see watchdog).
func (e *executor) runHandler(rj *runningJob) attempt {
	ctx, job := rj.ctx, rj.job
	ph, ok := e.handlers.lookup(job.Type)
	if !ok {
		return attempt{
			err:       fmt.Errorf("no handler is registered for job type %q (registered: %v)", job.Type, e.handlers.registry.Types()),
			permanent: true,
			errType:   jobs.ErrorTypeUnknownJobType,
		}
	}
	if ph.reg.tenant != nil && job.TenantID == "" {
		return attempt{err: fmt.Errorf("job type %q is tenant-scoped but the job has no tenant ID", job.Type), permanent: true, errType: jobs.ErrorTypeTenant}
	}
	timeout := firstPositive(job.Timeout, ph.reg.config.Timeout, e.cfg.JobTimeout)
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hctx = jobs.WithRunningJob(hctx, &rj.job) // the tenant ID too (TenantIDFromContext)
	abandoned, result, err := e.runWatched(rj, hctx, timeout, ph.run)
	if abandoned {
		return attempt{abandoned: true}
	}
	a := attempt{result: result, err: err, timeout: timeout}
	if err != nil && errors.Is(hctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		a.timedOut = true
	}
	if errors.Is(err, jobs.ErrTenantNotFound) {
		a.errType = jobs.ErrorTypeTenant
		a.permanent = !e.cfg.RetryUnknownTenant
	}
	return a
}

// mustTransition unwraps a transition the pool has already checked is legal
// for a job it holds; an error here is a bug in the pool.
func mustTransition(j jobs.Job, err error) jobs.Job {
	if err != nil {
		panic(fmt.Sprintf("jobs: internal error: %v", err))
	}
	return j
}

func firstPositive(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}
