package jobs

import (
	"errors"
	"fmt"
	"strings"
)

// This file holds every sentinel error of the module and the error types
// that match them. Test for them with errors.Is: the errors returned wrap
// them with the details (job IDs, queue names, limits).

// Errors shared by the runtime and every backend. Test for them with errors.Is.
var (
	// ErrInvalidOption means a constructor was given an option value out of
	// its range (a negative limit, a zero age, ...); the error names it.
	ErrInvalidOption = errors.New("invalid option")
	// ErrInvalidTransition means a state change was asked of a job in a state
	// that does not allow it (complete a pending job, start a cancelled one, ...).
	ErrInvalidTransition = errors.New("invalid job state transition")
	// ErrInvalidJob means a job or an enqueue request failed validation.
	ErrInvalidJob = errors.New("invalid job")
	// ErrJobNotFound means no job has the given ID.
	ErrJobNotFound = errors.New("job not found")
	// ErrDuplicateJob means a job with the given ID exists already.
	ErrDuplicateJob = errors.New("job already exists")
	// ErrLeaseLost means a worker reported on a job it no longer holds: its
	// lease expired and the job was handed out again or finished elsewhere.
	ErrLeaseLost = errors.New("job lease lost")
)

// TransitionError reports an illegal state change. It matches
// ErrInvalidTransition with errors.Is.
type TransitionError struct {
	JobID  string
	From   State
	Action string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("job %s: cannot %s a %s job", e.JobID, e.Action, e.From)
}

// Is makes errors.Is(err, ErrInvalidTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// ErrJobCancelled is the cause (context.Cause) of a running handler's
// context when its job was cancelled through Store.Cancel.
var ErrJobCancelled = errors.New("job cancelled")

// ErrInvalidCursor means a JobQuery cursor was not one the backend issued.
var ErrInvalidCursor = errors.New("invalid cursor")

// ErrInvalidQuery means a JobQuery names no valid queue or state.
var ErrInvalidQuery = errors.New("invalid job query")

// ErrTenantNotFound means a job's tenant is unknown, disabled or
// misconfigured. Such a job fails explicitly; it never runs against a
// default schema.
var ErrTenantNotFound = errors.New("tenant not found")

// ErrUniqueJobExists means an enqueue asked for a unique job while another
// job holds the same unique key. Nothing was created; the error is a
// *UniqueJobExistsError naming the job that holds the key.
var ErrUniqueJobExists = errors.New("unique job exists")

// UniqueJobExistsError is returned by Enqueue for a unique job whose key is
// held by another job.
type UniqueJobExistsError struct {
	Key           string // the unique key
	ExistingJobID string // the job holding it
}

func (e *UniqueJobExistsError) Error() string {
	return fmt.Sprintf("unique job exists: key %s is held by job %s", e.Key, e.ExistingJobID)
}

// Is makes errors.Is(err, ErrUniqueJobExists) true.
func (e *UniqueJobExistsError) Is(target error) bool { return target == ErrUniqueJobExists }

// ErrNoHandlers means a pool was started with an empty registry.
var ErrNoHandlers = errors.New("no handlers registered")

// ErrPoolStarted means Start was called on a pool that already started.
var ErrPoolStarted = errors.New("pool already started")

// ErrSkipRetry, wrapped into a handler's error (see SkipRetry), sends the job
// straight to the dead-letter queue however many retries it has left.
var ErrSkipRetry = errors.New("skip retry")

// SkipRetry marks err as permanent: the job is not retried. The error keeps
// err's message and unwraps to it; errors.Is(e, ErrSkipRetry) is true.
func SkipRetry(err error) error {
	if err == nil {
		return nil
	}
	return &skipRetryError{err: err}
}

type skipRetryError struct{ err error }

func (e *skipRetryError) Error() string        { return e.err.Error() }
func (e *skipRetryError) Unwrap() error        { return e.err }
func (e *skipRetryError) Is(target error) bool { return target == ErrSkipRetry }

// Errors of Result and Wait.
var (
	// ErrJobNotFinished means the job has not completed, failed or been
	// cancelled yet.
	ErrJobNotFinished = errors.New("job not finished")
	// ErrJobFailed means the job ended in the dead-letter queue; the error
	// is a *JobFailedError with the job's last error.
	ErrJobFailed = errors.New("job failed")
	// ErrWrongJobType means a typed result was asked of a job of another
	// type.
	ErrWrongJobType = errors.New("wrong job type")
)

// JobFailedError reports a job that ended failed or cancelled.
type JobFailedError struct {
	Job Job
}

func (e *JobFailedError) Error() string {
	if e.Job.State == StateCancelled {
		return fmt.Sprintf("job %s was cancelled", e.Job.ID)
	}
	msg := "no error recorded"
	if e.Job.Error != nil {
		msg = e.Job.Error.Message
	}
	return fmt.Sprintf("job %s failed after %s: %s", e.Job.ID, countOf(e.Job.Attempt, "attempt", "attempts"), msg)
}

// Is makes errors.Is match ErrJobFailed for failed jobs and ErrJobCancelled
// for cancelled ones.
func (e *JobFailedError) Is(target error) bool {
	if e.Job.State == StateCancelled {
		return target == ErrJobCancelled
	}
	return target == ErrJobFailed
}

// ErrPayloadTooLarge is the error of an enqueue whose args exceed the
// client's limit (WithMaxPayloadSize). It matches ErrInvalidJob too, and
// the error that wraps it names the job type, the size and the limit.
// Nothing is sent to the backend.
var ErrPayloadTooLarge = fmt.Errorf("%w: payload too large", ErrInvalidJob)

// ErrOutcomeUnknown means a request reached the backend, or may have, but
// its answer did not come back (a timeout or a lost connection after the
// request was sent): it may or may not have been applied. Test for it with
// errors.Is; the error is an *UnknownOutcomeError naming the jobs.
//
// An enqueue whose outcome is unknown is made safe to retry by giving the
// job its own ID (WithJobID) and retrying with the same ID: the retry
// either stores the job or fails with ErrDuplicateJob, which means the
// first request stored it.
var ErrOutcomeUnknown = errors.New("outcome unknown: the request may have been applied")

// UnknownOutcomeError is the error of a call on JobIDs whose request may
// have been applied: Err is what cut the call short. It matches
// ErrOutcomeUnknown and Err with errors.Is.
type UnknownOutcomeError struct {
	JobIDs []string
	Err    error
}

func (e *UnknownOutcomeError) Error() string {
	noun := "job"
	if len(e.JobIDs) > 1 {
		noun = "jobs"
	}
	return fmt.Sprintf("%s %s: %v: %v", noun, strings.Join(e.JobIDs, ", "), ErrOutcomeUnknown, e.Err)
}

// Unwrap returns the error that cut the call short.
func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrOutcomeUnknown) true.
func (e *UnknownOutcomeError) Is(target error) bool { return target == ErrOutcomeUnknown }
