package redis

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jobsgo/jobs"
)

var _ jobs.Isolator = (*Backend)(nil)

// Isolate marks job as running alone (jobs.Job.Isolate): it stores the
// attempt in the job hash's field al with isolate.lua, fenced on the job
// still running that attempt under a lease, else it fails with
// jobs.ErrLeaseLost. RecoverExpired counts the attempt of a job whose
// lease expires with the mark; it refunds any other.
func (b *Backend) Isolate(ctx context.Context, job jobs.Job) error {
	if jobs.ValidateQueueName(job.Queue) != nil {
		return fmt.Errorf("%w: job %s names no valid queue (%q)", jobs.ErrLeaseLost, job.ID, job.Queue)
	}
	k := b.queue(job.Queue)
	attempt := strconv.Itoa(job.Attempt)
	args := isolateArgs{head: head{k, b.clock.Now()}, id: job.ID, attempt: attempt}
	marked, err := isolateScript.Run(ctx, b.client, k.keys, args.argv()...).Int()
	if err != nil {
		return fmt.Errorf("redis: isolate job %s: %w", job.ID, err)
	}
	if marked != 1 {
		return fmt.Errorf("%w: job %s attempt %s", jobs.ErrLeaseLost, job.ID, attempt)
	}
	return nil
}
