package memory

import (
	"context"
	"fmt"

	"github.com/jobsgo/jobs/runtime"
)

var _ runtime.Isolator = (*Backend)(nil)

// Isolate marks job, which must still be running the attempt it was
// started with, as running alone (runtime.Job.Isolate), so that an expiry
// of its lease counts the attempt. Otherwise it fails with
// runtime.ErrLeaseLost.
func (b *Backend) Isolate(ctx context.Context, job runtime.Job) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.jobs[job.ID]
	if !ok || r.job.State != runtime.StateRunning || r.job.Attempt != job.Attempt {
		return fmt.Errorf("%w: isolate job %s attempt %d", runtime.ErrLeaseLost, job.ID, job.Attempt)
	}
	next, err := r.job.Isolate()
	if err != nil {
		return err
	}
	r.job = next
	return nil
}
