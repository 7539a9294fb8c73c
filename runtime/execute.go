package runtime

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jobsgo/jobs"
)

func randomFloat() float64 { return rand.Float64() }

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
func (p *Pool) execute(rj *runningJob) (outcome jobs.Job, ok, abandoned bool) {
	a := p.runHandler(rj)
	if a.abandoned {
		return jobs.Job{}, false, true
	}
	outcome, ok = p.settle(rj, a)
	return outcome, ok, false
}

// settle turns the attempt a of rj into the outcome to store; ok is false
// when there is none (the job was cancelled, or its lease lost).
func (p *Pool) settle(rj *runningJob, a attempt) (outcome jobs.Job, ok bool) {
	job := rj.job
	if rj.ctx.Err() != nil && a.err != nil && !a.timedOut {
		handler := "handler stopped"
		if a.abandoned {
			handler = "handler abandoned"
		}
		switch cause := context.Cause(rj.ctx); {
		case errors.Is(cause, jobs.ErrJobCancelled):
			p.logJob(slog.LevelInfo, job, "jobs: job cancelled while running; "+handler, "err", a.err)
		case errors.Is(cause, jobs.ErrLeaseLost):
			// Another worker may own the job now: this one must not
			// report on it.
			p.logJob(slog.LevelWarn, job, "jobs: lease lost while running; outcome discarded", "err", a.err)
		default:
			p.logJob(slog.LevelWarn, job, "jobs: job interrupted by shutdown; handed back to its queue")
			return mustTransition(job.Release(p.cfg.Clock.Now())), true
		}
		return jobs.Job{}, false
	}
	next := p.decide(job, a, p.cfg.Clock.Now())
	switch next.State {
	case jobs.StateCompleted:
		p.logJob(slog.LevelDebug, job, "jobs: job completed", "duration", next.FinishedAt.Sub(job.StartedAt))
	case jobs.StateRetrying:
		p.logJob(slog.LevelWarn, job, "jobs: job failed; will retry", "err", next.Error.Message, "retry_at", next.ExecuteAt)
	case jobs.StateFailed:
		p.logJob(slog.LevelError, job, "jobs: job failed; moved to the dead-letter queue", "err", next.Error.Message, "error_type", next.Error.Type)
	}
	return next, true
}

// preparedHandler is a registration with the pool's handler chain built
// around it: the chain is built once per job type, not once per job.
type preparedHandler struct {
	reg registration
	// run is RecoverPanics(pool middleware(type middleware(handler))),
	// a tenant handler adapted to run in its tenant's scope.
	run Handler
}

// handlerFor returns the prepared handler of jobType, building and caching
// it on first use; ok is false when no handler is registered for it.
func (p *Pool) handlerFor(jobType string) (ph *preparedHandler, ok bool) {
	if v, ok := p.handlers.Load(jobType); ok {
		return v.(*preparedHandler), true
	}
	reg, ok := p.registry.lookup(jobType)
	if !ok {
		return nil, false
	}
	h := reg.handler
	if reg.tenant != nil {
		h = p.tenantHandler(reg.tenant)
	}
	ph = &preparedHandler{reg: reg, run: RecoverPanics(chain(chain(h, reg.config.Middleware), p.cfg.Middleware))}
	v, _ := p.handlers.LoadOrStore(jobType, ph) // registrations never change
	return v.(*preparedHandler), true
}

// runHandler looks the job's handler up and runs it with its timeout,
// watched (see watchdog).
func (p *Pool) runHandler(rj *runningJob) attempt {
	ctx, job := rj.ctx, rj.job
	ph, ok := p.handlerFor(job.Type)
	if !ok {
		return attempt{
			err:       fmt.Errorf("no handler is registered for job type %q (registered: %v)", job.Type, p.registry.Types()),
			permanent: true,
			errType:   jobs.ErrorTypeUnknownJobType,
		}
	}
	if ph.reg.tenant != nil && job.TenantID == "" {
		return attempt{err: fmt.Errorf("job type %q is tenant-scoped but the job has no tenant ID", job.Type), permanent: true, errType: jobs.ErrorTypeTenant}
	}
	timeout := firstPositive(job.Timeout, ph.reg.config.Timeout, p.cfg.JobTimeout)
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hctx = jobs.WithRunningJob(hctx, &rj.job) // the tenant ID too (TenantIDFromContext)
	abandoned, result, err := p.runWatched(rj, hctx, timeout, ph.run)
	if abandoned {
		return attempt{abandoned: true}
	}
	a := attempt{result: result, err: err, timeout: timeout}
	if err != nil && errors.Is(hctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		a.timedOut = true
	}
	if errors.Is(err, jobs.ErrTenantNotFound) {
		a.errType = jobs.ErrorTypeTenant
		a.permanent = !p.cfg.RetryUnknownTenant
	}
	return a
}

func (p *Pool) tenantHandler(th TenantHandler) Handler {
	return func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		var result json.RawMessage
		err := p.cfg.Tenants.RunInTenant(ctx, job.TenantID, func(ctx context.Context, tx *sql.Tx) error {
			var err error
			result, err = th(ctx, tx, job)
			return err
		})
		return result, err
	}
}

// decide turns an attempt into the job's next state: completed, retrying
// (with its backoff) or failed.
func (p *Pool) decide(job jobs.Job, a attempt, now time.Time) jobs.Job {
	if a.err == nil {
		next, err := job.Complete(a.result, now)
		if err == nil {
			return next
		}
		a = attempt{err: err, permanent: true, errType: jobs.ErrorTypeCorrupt}
	}
	jobErr := toJobError(a)
	if a.permanent || errors.Is(a.err, jobs.ErrSkipRetry) || job.RetriesLeft() == 0 {
		return mustTransition(job.Fail(jobErr, now))
	}
	policy := p.retryPolicy(job)
	at := now.Add(policy.Delay(job.Charged(), p.cfg.Random()))
	return mustTransition(job.PrepareRetry(jobErr, at, now))
}

// retryPolicy resolves the job's policy: the most specific one set (the
// job's own, else its handler's, else the pool's) wins whole; its zero
// fields take the RetryPolicy defaults.
func (p *Pool) retryPolicy(job jobs.Job) jobs.RetryPolicy {
	if job.Retry != nil {
		return job.Retry.WithDefaults()
	}
	if ph, ok := p.handlerFor(job.Type); ok && ph.reg.config.Retry != nil {
		return ph.reg.config.Retry.WithDefaults()
	}
	return p.cfg.Retry.WithDefaults()
}

func toJobError(a attempt) jobs.JobError {
	var pe *PanicError
	switch {
	case errors.As(a.err, &pe):
		return jobs.JobError{Type: jobs.ErrorTypePanic, Message: pe.Error(), Stacktrace: pe.Stack}
	case a.timedOut:
		return jobs.JobError{Type: jobs.ErrorTypeTimeout, Message: fmt.Sprintf("attempt timed out after %s: %v", a.timeout, a.err)}
	case a.errType != "":
		return jobs.JobError{Type: a.errType, Message: a.err.Error()}
	}
	return jobs.JobError{Type: errorTypeName(a.err), Message: a.err.Error()}
}

// errorTypeName names the Go type of the innermost error of err's chain,
// the one that says what went wrong ("*fs.PathError", "*net.OpError").
func errorTypeName(err error) string {
	for {
		var next error
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			next = u.Unwrap()
		case interface{ Unwrap() []error }:
			if errs := u.Unwrap(); len(errs) > 0 {
				next = errs[len(errs)-1]
			}
		}
		if next == nil {
			break
		}
		err = next
	}
	name := fmt.Sprintf("%T", err)
	if name == "*errors.errorString" {
		return "error"
	}
	return name
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

// logJob logs msg about job at level with the job's attributes, building
// them only when the level is enabled: the pool's hot path logs nothing.
func (p *Pool) logJob(level slog.Level, job jobs.Job, msg string, args ...any) {
	ctx := context.Background()
	if !p.log.Enabled(ctx, level) {
		return
	}
	p.log.Log(ctx, level, msg, append(jobAttrs(job), args...)...)
}

func jobAttrs(j jobs.Job) []any {
	attrs := []any{"job_id", j.ID, "job_type", j.Type, "queue", j.Queue, "attempt", j.Attempt}
	if j.TenantID != "" {
		attrs = append(attrs, "tenant", j.TenantID)
	}
	return attrs
}
