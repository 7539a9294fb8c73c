package jobs

import (
	"encoding/json"
	"fmt"
	"time"
)

func (j Job) refuse(action string) error {
	return &TransitionError{JobID: j.ID, From: j.State, Action: action}
}

func (j Job) in(states ...State) bool {
	for _, s := range states {
		if j.State == s {
			return true
		}
	}
	return false
}

// NewJob creates a job of jobType with JSON args and the resolved options o.
// It is pending, or scheduled when o asks for a time after now. It validates
// every field and never returns a half-made job.
func NewJob(jobType string, args json.RawMessage, o EnqueueOptions, now time.Time) (Job, error) {
	if err := ValidateJobType(jobType); err != nil {
		return Job{}, err
	}
	if len(args) == 0 {
		args = json.RawMessage("null")
	}
	if !json.Valid(args) {
		return Job{}, fmt.Errorf("%w: args of %s are not valid JSON", ErrInvalidJob, jobType)
	}
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return Job{}, err
	}
	var err error
	id := o.JobID
	if id == "" {
		if id, err = newJobID(now); err != nil {
			return Job{}, fmt.Errorf("generate job ID: %w", err)
		}
	}
	j := Job{
		ID:         id,
		Type:       jobType,
		Queue:      o.Queue,
		Priority:   o.Priority,
		Args:       append(json.RawMessage(nil), args...),
		TenantID:   o.TenantID,
		State:      StatePending,
		MaxRetries: *o.MaxRetries,
		Retry:      o.Retry,
		Timeout:    o.Timeout,
		ExecuteAt:  now,
		CreatedAt:  now,
	}
	if len(o.Metadata) > 0 {
		j.Metadata = make(map[string]string, len(o.Metadata))
		for k, v := range o.Metadata {
			j.Metadata[k] = v
		}
	}
	if o.Unique != nil {
		if j.UniqueKey, err = uniqueKey(jobType, j.Args, *o.Unique); err != nil {
			return Job{}, err
		}
		if o.Unique.TTL > 0 {
			j.UniqueUntil = now.Add(o.Unique.TTL)
		}
	}
	at := o.RunAt
	if at.IsZero() && o.RunIn > 0 {
		at = now.Add(o.RunIn)
	}
	if at.After(now) {
		j.State, j.ExecuteAt = StateScheduled, at
	}
	return j, nil
}

// Schedule moves a pending job to scheduled, to run at at (which must be
// after now).
func (j Job) Schedule(at, now time.Time) (Job, error) {
	if !j.in(StatePending) {
		return j, j.refuse("schedule")
	}
	if !at.After(now) {
		return j, fmt.Errorf("%w: job %s: schedule time %s is not after now (%s)", ErrInvalidJob, j.ID, at.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	j.State, j.ExecuteAt = StateScheduled, at
	return j, nil
}

// Promote moves a due scheduled or retrying job back to pending.
func (j Job) Promote(now time.Time) (Job, error) {
	if !j.in(StateScheduled, StateRetrying) {
		return j, j.refuse("promote")
	}
	j.State = StatePending
	return j, nil
}

// Start leases a pending job to a worker until leaseUntil and counts the attempt.
func (j Job) Start(now, leaseUntil time.Time) (Job, error) {
	if !j.in(StatePending) {
		return j, j.refuse("start")
	}
	j.State = StateRunning
	j.Attempt++
	j.Alone = false
	j.StartedAt, j.LeaseUntil = now, leaseUntil
	j.FinishedAt = time.Time{}
	return j, nil
}

// Complete records success with the handler's JSON result (may be nil).
func (j Job) Complete(result json.RawMessage, now time.Time) (Job, error) {
	if !j.in(StateRunning) {
		return j, j.refuse("complete")
	}
	if len(result) > 0 && !json.Valid(result) {
		return j, fmt.Errorf("%w: result of job %s is not valid JSON", ErrInvalidJob, j.ID)
	}
	j.State, j.Alone = StateCompleted, false
	j.Result = append(json.RawMessage(nil), result...)
	j.FinishedAt, j.LeaseUntil = now, time.Time{}
	return j, nil
}

// PrepareRetry records a failed attempt and schedules the next one at at.
// It refuses when the job has no retries left; use Fail then.
func (j Job) PrepareRetry(jobErr JobError, at, now time.Time) (Job, error) {
	if !j.in(StateRunning) {
		return j, j.refuse("retry")
	}
	if j.RetriesLeft() == 0 {
		return j, fmt.Errorf("%w: job %s used all of its %s", ErrInvalidTransition, j.ID, countOf(j.MaxRetries, "retry", "retries"))
	}
	j.State, j.Alone = StateRetrying, false
	j.Error = &jobErr
	j.ExecuteAt, j.LeaseUntil = at, time.Time{}
	return j, nil
}

// Fail records a final failed attempt: the job goes to the dead-letter queue.
func (j Job) Fail(jobErr JobError, now time.Time) (Job, error) {
	if !j.in(StateRunning) {
		return j, j.refuse("fail")
	}
	j.State, j.Alone = StateFailed, false
	j.Error = &jobErr
	j.FinishedAt, j.LeaseUntil = now, time.Time{}
	return j, nil
}

// Cancel stops a job that has not finished. A running job's handler is told
// through its context by whoever runs it.
func (j Job) Cancel(now time.Time) (Job, error) {
	if !j.in(StatePending, StateScheduled, StateRetrying, StateRunning) {
		return j, j.refuse("cancel")
	}
	j.State, j.Alone = StateCancelled, false
	j.FinishedAt, j.LeaseUntil = now, time.Time{}
	return j, nil
}

// Release hands a running job back to its queue without counting the attempt,
// for a worker that shuts down before the handler could finish.
func (j Job) Release(now time.Time) (Job, error) {
	if !j.in(StateRunning) {
		return j, j.refuse("release")
	}
	j.State, j.Alone = StatePending, false
	j.Attempt--
	j.LeaseUntil = time.Time{}
	return j, nil
}

// Isolate marks a running job as running alone in its process: no other
// handler runs there until its handler ends or a bounded window passes
// (see Pool). Should its worker then stop without reporting, the attempt
// counts (see ExpireLease). A pool isolates every suspect job.
func (j Job) Isolate() (Job, error) {
	if !j.in(StateRunning) {
		return j, j.refuse("isolate")
	}
	j.Alone = true
	return j, nil
}

// ExpireLease handles a running job whose worker stopped renewing its lease
// (it crashed or hung). When the job ran alone in its process (Isolate) it
// is the cause, and the attempt counts: the job goes back to pending, or to
// the dead-letter queue when it has no retries left. Otherwise any job of
// that process may have been the cause: the attempt is refunded (it does
// not count against MaxRetries) and the job, now a suspect, goes back to
// pending to run alone next time. Either way the attempt number stays, so
// that the worker that lost the lease cannot report on a later attempt.
func (j Job) ExpireLease(now time.Time) (Job, error) {
	if !j.in(StateRunning) {
		return j, j.refuse("expire the lease of")
	}
	lapsed := j.LeaseUntil.UTC().Format(time.RFC3339Nano)
	jobErr := JobError{
		Type:    ErrorTypeLeaseExpired,
		Message: fmt.Sprintf("lease expired at %s: the worker stopped without reporting while the job ran alone", lapsed),
	}
	if !j.Alone {
		j.Refunded++
		jobErr.Message = fmt.Sprintf("lease expired at %s: the worker stopped without reporting while the job ran beside others; the attempt is not counted and the job runs alone next time", lapsed)
	} else if j.RetriesLeft() == 0 {
		return j.Fail(jobErr, now)
	}
	j.State, j.Alone = StatePending, false
	j.Error = &jobErr
	j.ExecuteAt, j.LeaseUntil = now, time.Time{}
	return j, nil
}

// Requeue resets a failed (dead-letter) job so that it runs again with a
// fresh set of attempts.
func (j Job) Requeue(now time.Time) (Job, error) {
	if !j.in(StateFailed) {
		return j, j.refuse("requeue")
	}
	j.State = StatePending
	j.Attempt, j.Refunded = 0, 0
	j.Result = nil
	j.ExecuteAt = now
	j.StartedAt, j.FinishedAt, j.LeaseUntil = time.Time{}, time.Time{}, time.Time{}
	return j, nil
}
