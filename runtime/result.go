package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jobsgo/jobs/internal/plural"
)

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
	return fmt.Sprintf("job %s failed after %s: %s", e.Job.ID, plural.Count(e.Job.Attempt, "attempt", "attempts"), msg)
}

// Is makes errors.Is match ErrJobFailed for failed jobs and ErrJobCancelled
// for cancelled ones.
func (e *JobFailedError) Is(target error) bool {
	if e.Job.State == StateCancelled {
		return target == ErrJobCancelled
	}
	return target == ErrJobFailed
}

// Result returns the JSON result of a completed job. A job that failed or
// was cancelled gives a *JobFailedError; one still under way gives
// ErrJobNotFinished. Completed jobs are kept as long as the backend's
// retention allows (by count and age); after that, ErrJobNotFound.
func (c *Client) Result(ctx context.Context, id string) (json.RawMessage, error) {
	job, err := c.backend.Job(ctx, id)
	if err != nil {
		return nil, err
	}
	return outcome(job)
}

func outcome(job Job) (json.RawMessage, error) {
	switch job.State {
	case StateCompleted:
		return job.Result, nil
	case StateFailed, StateCancelled:
		return nil, &JobFailedError{Job: job}
	}
	return nil, fmt.Errorf("%w: job %s is %s", ErrJobNotFinished, job.ID, job.State)
}

// Wait blocks until the job completes, fails or is cancelled, or ctx is
// done, and returns the job. It polls the backend, quickly at first and
// then every 250 ms.
func (c *Client) Wait(ctx context.Context, id string) (Job, error) {
	delay := 2 * time.Millisecond
	for {
		job, err := c.backend.Job(ctx, id)
		if err != nil {
			return Job{}, err
		}
		if job.State.Terminal() {
			return job, nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return job, ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, 250*time.Millisecond)
	}
}

// ResultValue decodes the result of a completed job of jobType into R (see
// Client.Result); a job of another type gives ErrWrongJobType. Generated
// ResultX methods call it.
func ResultValue[R any](ctx context.Context, c *Client, jobType, id string) (R, error) {
	var r R
	job, err := c.backend.Job(ctx, id)
	if err != nil {
		return r, err
	}
	if err := checkType(job, jobType); err != nil {
		return r, err
	}
	raw, err := outcome(job)
	if err != nil {
		return r, err
	}
	return r, decodeResult(id, raw, &r)
}

func checkType(job Job, jobType string) error {
	if job.Type != jobType {
		return fmt.Errorf("%w: job %s is a %s job, not %s", ErrWrongJobType, job.ID, job.Type, jobType)
	}
	return nil
}

// WaitValue waits for the job of jobType (see Client.Wait) and decodes its
// result into R; a failed or cancelled job gives a *JobFailedError, a job of
// another type ErrWrongJobType. Generated WaitX methods call it.
func WaitValue[R any](ctx context.Context, c *Client, jobType, id string) (R, error) {
	var r R
	job, err := c.backend.Job(ctx, id)
	if err != nil {
		return r, err
	}
	if err := checkType(job, jobType); err != nil {
		return r, err
	}
	if job, err = c.Wait(ctx, id); err != nil {
		return r, err
	}
	raw, err := outcome(job)
	if err != nil {
		return r, err
	}
	return r, decodeResult(id, raw, &r)
}

func decodeResult(id string, raw json.RawMessage, into any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("decode result of job %s: %w", id, err)
	}
	return nil
}
