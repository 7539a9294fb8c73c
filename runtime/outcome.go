package runtime

import (
	"errors"
	"fmt"
	"strings"
)

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
