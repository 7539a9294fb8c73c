package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
)

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

func outcome(job jobs.Job) (json.RawMessage, error) {
	switch job.State {
	case jobs.StateCompleted:
		return job.Result, nil
	case jobs.StateFailed, jobs.StateCancelled:
		return nil, &jobs.JobFailedError{Job: job}
	}
	return nil, fmt.Errorf("%w: job %s is %s", jobs.ErrJobNotFinished, job.ID, job.State)
}

// Wait blocks until the job completes, fails or is cancelled, or ctx is
// done, and returns the job. It polls the backend, quickly at first and
// then every 250 ms.
func (c *Client) Wait(ctx context.Context, id string) (jobs.Job, error) {
	delay := 2 * time.Millisecond
	for {
		job, err := c.backend.Job(ctx, id)
		if err != nil {
			return jobs.Job{}, err
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

func checkType(job jobs.Job, jobType string) error {
	if job.Type != jobType {
		return fmt.Errorf("%w: job %s is a %s job, not %s", jobs.ErrWrongJobType, job.ID, job.Type, jobType)
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
