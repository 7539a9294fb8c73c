package memory

import (
	"context"
	"fmt"

	"github.com/jobsgo/jobs"
)

var _ jobs.Isolator = (*Backend)(nil)

// Isolate marks job, which must still be running the attempt it was
// started with, as running alone (jobs.Job.Isolate), so that an expiry
// of its lease counts the attempt. Otherwise it fails with
// jobs.ErrLeaseLost.
func (b *Backend) Isolate(ctx context.Context, job jobs.Job) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.jobs[job.ID]
	if !ok || r.job.State != jobs.StateRunning || r.job.Attempt != job.Attempt {
		return fmt.Errorf("%w: isolate job %s attempt %d", jobs.ErrLeaseLost, job.ID, job.Attempt)
	}
	next, err := r.job.Isolate()
	if err != nil {
		return err
	}
	r.job = next
	return nil
}
