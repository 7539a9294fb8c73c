package memory

import (
	"context"
	"fmt"

	"github.com/jobsgo/jobs"
)

// defaultDeadLetterLimit is how many jobs DeadLetters returns when the
// query sets no limit.
const defaultDeadLetterLimit = 20

// Job returns a copy of the job with the given ID or jobs.ErrJobNotFound.
// Finished jobs past the age caps are not found.
func (b *Backend) Job(ctx context.Context, id string) (jobs.Job, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trimExpired()
	r, ok := b.jobs[id]
	if !ok {
		return jobs.Job{}, fmt.Errorf("%w: %s", jobs.ErrJobNotFound, id)
	}
	return cloneJob(r.job), nil
}

// Cancel cancels a job that has not finished and returns it. A pending,
// scheduled or retrying job never runs. A running job is stored cancelled
// at once and loses its lease: its worker's Ack fails with
// jobs.ErrLeaseLost, ExtendLeases reports it lost, and every
// CancelledJobs subscriber is sent its ID. A finished job fails with
// jobs.ErrInvalidTransition.
func (b *Backend) Cancel(ctx context.Context, id string) (jobs.Job, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.jobs[id]
	if !ok {
		return jobs.Job{}, fmt.Errorf("%w: %s", jobs.ErrJobNotFound, id)
	}
	wasRunning := r.job.State == jobs.StateRunning
	next, err := r.job.Cancel(b.clock.Now())
	if err != nil {
		return jobs.Job{}, err
	}
	b.move(r, next, false)
	if wasRunning {
		b.notifyCancelled(id)
	}
	return cloneJob(next), nil
}

// DeadLetters lists failed jobs that match q, the most recently failed first.
func (b *Backend) DeadLetters(ctx context.Context, q jobs.DeadLetterQuery) ([]jobs.Job, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultDeadLetterLimit
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trimDead()
	var out []jobs.Job
	for e := b.dead.Front(); e != nil && len(out) < limit; e = e.Next() {
		j := e.Value.(*record).job
		if (q.Queue == "" || j.Queue == q.Queue) && (q.Type == "" || j.Type == q.Type) {
			out = append(out, cloneJob(j))
		}
	}
	return out, nil
}

// RetryDeadLetter applies Job.Requeue to a failed job, puts it at the back
// of its queue and returns it.
func (b *Backend) RetryDeadLetter(ctx context.Context, id string) (jobs.Job, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.jobs[id]
	if !ok {
		return jobs.Job{}, fmt.Errorf("%w: %s", jobs.ErrJobNotFound, id)
	}
	next, err := r.job.Requeue(b.clock.Now())
	if err != nil {
		return jobs.Job{}, err
	}
	b.move(r, next, false)
	return cloneJob(next), nil
}
