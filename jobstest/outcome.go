package jobstest

import (
	"context"
	"errors"
	"fmt"

	"github.com/jobsgo/jobs"
)

// Outcome gives the result of a mock job from the call that enqueued it: an
// error makes the job fail, or be cancelled when it is
// jobs.ErrJobCancelled.
type Outcome[A, R any] func(Call[A]) (R, error)

// NoResult is the result type of a Recorder whose handler returns only an
// error.
type NoResult struct{}

// ByArgs is the Outcome that returns what fn returns for the job's args;
// nil when fn is nil.
func ByArgs[A, R any](fn func(A) (R, error)) Outcome[A, R] {
	if fn == nil {
		return nil
	}
	return func(c Call[A]) (R, error) { return fn(c.Args) }
}

// ByTenantArgs is the Outcome that returns what fn returns for the job's
// tenant ID and args; nil when fn is nil.
func ByTenantArgs[A, R any](fn func(string, A) (R, error)) Outcome[A, R] {
	if fn == nil {
		return nil
	}
	return func(c Call[A]) (R, error) { return fn(c.TenantID, c.Args) }
}

// ErrByArgs is the Outcome without result that returns the error fn returns
// for the job's args; nil when fn is nil.
func ErrByArgs[A any](fn func(A) error) Outcome[A, NoResult] {
	if fn == nil {
		return nil
	}
	return func(c Call[A]) (NoResult, error) { return NoResult{}, fn(c.Args) }
}

// ErrByTenantArgs is the Outcome without result that returns the error fn
// returns for the job's tenant ID and args; nil when fn is nil.
func ErrByTenantArgs[A any](fn func(string, A) error) Outcome[A, NoResult] {
	if fn == nil {
		return nil
	}
	return func(c Call[A]) (NoResult, error) { return NoResult{}, fn(c.TenantID, c.Args) }
}

// SetOutcome makes the jobs r recorded finish with what fn gives them. fn
// runs at each Result call, for jobs enqueued before or after; nil leaves
// the jobs unfinished again.
func (r *Recorder[A, R]) SetOutcome(fn Outcome[A, R]) {
	r.journal.mu.Lock()
	defer r.journal.mu.Unlock()
	r.outcome = fn
}

// Result returns the result the outcome function gives the job id, or a
// *jobs.JobFailedError whose job failed after its last attempt, or was
// cancelled. A job r did not enqueue gives jobs.ErrJobNotFound; one
// without an outcome function jobs.ErrJobNotFinished. It never blocks:
// the mock's jobs finish as soon as they have an outcome.
func (r *Recorder[A, R]) Result(ctx context.Context, id string) (R, error) {
	var zero R
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	c, fn, ok := r.find(id)
	switch {
	case !ok:
		if other, found := r.journal.job(id); found {
			return zero, fmt.Errorf("%w: job %s is a %s job, not %s", jobs.ErrWrongJobType, id, other.Type, r.spec.JobType)
		}
		return zero, fmt.Errorf("%w: %s enqueued no %s job %s", jobs.ErrJobNotFound, mockName, r.spec.JobType, id)
	case fn == nil:
		return zero, fmt.Errorf("%w: %s: %s job %s has no outcome; give it one with %s",
			jobs.ErrJobNotFinished, mockName, c.Job.Type, c.Job.ID, r.spec.Setter)
	}
	res, err := fn(c) // outside the lock: fn may call the mock
	if err != nil {
		return zero, failed(c.Job, err)
	}
	return res, nil
}

// find returns the successful call that enqueued job id and the outcome
// function, or false when r enqueued no such job.
func (r *Recorder[A, R]) find(id string) (Call[A], Outcome[A, R], bool) {
	r.journal.mu.Lock()
	defer r.journal.mu.Unlock()
	for _, c := range r.calls {
		if c.Err == nil && c.Job.ID == id {
			return c, r.outcome, true
		}
	}
	return Call[A]{}, nil, false
}

// failed is the error of a job whose outcome function returned err: the job
// failed with err's message after its last attempt, or it was cancelled when
// err is jobs.ErrJobCancelled.
func failed(job jobs.Job, err error) error {
	job.State, job.Attempt = jobs.StateFailed, job.MaxRetries+1
	if errors.Is(err, jobs.ErrJobCancelled) {
		job.State = jobs.StateCancelled
	}
	job.Error = &jobs.JobError{Message: err.Error(), Type: fmt.Sprintf("%T", err)}
	return &jobs.JobFailedError{Job: job}
}
