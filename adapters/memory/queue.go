package memory

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
)

// Enqueue stores copies of jobs, all or none. Each must be pending or
// scheduled with a valid ID, type, queue and priority; an ID in use (or
// given twice) fails with jobs.ErrDuplicateJob, and a unique key held by
// a stored job (or by an earlier job of the batch) fails with a
// *jobs.UniqueJobExistsError.
func (b *Backend) Enqueue(ctx context.Context, list ...jobs.Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range list {
		if err := list[i].ValidateNew(); err != nil {
			return err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var batch map[string]struct{}
	if len(list) > 1 {
		batch = make(map[string]struct{}, len(list))
	}
	for i := range list {
		id := list[i].ID
		_, inBatch := batch[id]
		if _, stored := b.jobs[id]; stored || inBatch {
			return fmt.Errorf("%w: %s", jobs.ErrDuplicateJob, id)
		}
		if batch != nil {
			batch[id] = struct{}{}
		}
	}
	now := b.clock.Now()
	b.sweepKeys(now)
	if err := b.checkUnique(list, now); err != nil {
		return err
	}
	for i := range list {
		b.seq++
		r := &record{job: cloneJob(list[i]), seq: b.seq, heapIndex: -1}
		b.jobs[r.job.ID] = r
		b.place(r, false)
		b.takeKey(r)
	}
	return nil
}

// Dequeue leases up to limit (at least 1) pending jobs of queue for lease,
// highest priority first and FIFO within a priority. It first promotes due
// scheduled and retrying jobs. When none is pending, or the queue is paused,
// it waits, without polling, for an enqueue, a release, a resume or the
// earliest execute-at time, which it watches anew whenever a job is
// scheduled or retried to run sooner.
func (b *Backend) Dequeue(ctx context.Context, queueName string, limit int, lease time.Duration) ([]jobs.Job, error) {
	if lease <= 0 {
		return nil, fmt.Errorf("memory: dequeue %s: lease %s is not positive", queueName, lease)
	}
	limit = max(limit, 1)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b.mu.Lock()
		now := b.clock.Now()
		_, err := b.promoteDue(now)
		q := b.queue(queueName)
		var list []jobs.Job
		if err == nil && !q.paused {
			list, err = b.take(q, limit, now, now.Add(lease))
		}
		if len(list) > 0 || err != nil {
			b.mu.Unlock()
			return list, err
		}
		var timer *time.Timer
		var due <-chan time.Time
		if next := b.schedule.peek(); next != nil {
			timer = time.NewTimer(next.job.ExecuteAt.Sub(now))
			due = timer.C
		}
		q.waiters++
		b.due.waiters++
		notify, sooner := q.notify, b.due.changed
		b.mu.Unlock()

		select {
		case <-ctx.Done():
		case <-notify:
		case <-due:
		case <-sooner:
		}
		if timer != nil {
			timer.Stop()
		}
		b.mu.Lock()
		q.waiters--
		b.due.waiters--
		b.mu.Unlock()
	}
}

// take starts up to limit pending jobs of q and returns copies of them.
func (b *Backend) take(q *queue, limit int, now, leaseUntil time.Time) ([]jobs.Job, error) {
	var out []jobs.Job
	for i := range q.pending {
		l := &q.pending[i]
		for len(out) < limit && l.Len() > 0 {
			r := l.Front().Value.(*record)
			next, err := r.job.Start(now, leaseUntil)
			if err != nil {
				return out, err
			}
			q.waited(now, now.Sub(r.job.ExecuteAt))
			b.move(r, next, false)
			out = append(out, cloneJob(next))
		}
	}
	return out, nil
}

// ExtendLeases moves the lease deadline of those of jobs that are still
// running the same attempt to until, and returns the IDs of the others.
func (b *Backend) ExtendLeases(ctx context.Context, list []jobs.Job, until time.Time) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var lost []string
	for i := range list {
		r, ok := b.jobs[list[i].ID]
		if !ok || r.job.State != jobs.StateRunning || r.job.Attempt != list[i].Attempt {
			lost = append(lost, list[i].ID)
			continue
		}
		r.job.LeaseUntil = until
		heap.Fix(&b.leases, r.heapIndex)
	}
	return lost, nil
}

// Ack stores the outcome of a job that Dequeue returned. The stored job must
// still be running the same attempt (the attempt number is the fencing
// token; a released job carries one less, as Job.Release uncounts it), else
// Ack fails with jobs.ErrLeaseLost. Completed jobs go to the history,
// retrying ones to the schedule heap, failed ones to the dead-letter queue
// and the history, cancelled ones are kept as finished, and released
// (pending) ones go back to the FRONT of their priority list: they were
// taken from there and keep their turn. A job cancelled through Cancel
// while it ran is no longer running, so its worker's Ack fails with
// jobs.ErrLeaseLost.
func (b *Backend) Ack(ctx context.Context, job jobs.Job) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ack(job)
}

// AckDequeue stores job's outcome as Ack does and then leases up to one
// pending job of its queue for lease, without blocking, under one lock.
func (b *Backend) AckDequeue(ctx context.Context, job jobs.Job, lease time.Duration) ([]jobs.Job, error) {
	if lease <= 0 {
		return nil, fmt.Errorf("memory: ack and dequeue %s: lease %s is not positive", job.ID, lease)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	err := b.ack(job)
	if err != nil && !errors.Is(err, jobs.ErrLeaseLost) {
		return nil, err
	}
	now := b.clock.Now()
	if _, perr := b.promoteDue(now); perr != nil {
		return nil, errors.Join(err, perr)
	}
	q := b.queue(job.Queue)
	if q.paused {
		return nil, err
	}
	list, terr := b.take(q, 1, now, now.Add(lease))
	return list, errors.Join(err, terr)
}

// ack is Ack with b.mu held.
func (b *Backend) ack(job jobs.Job) error {
	r, ok := b.jobs[job.ID]
	attempt := job.Attempt
	if job.State == jobs.StatePending {
		attempt++
	}
	if !ok || r.job.State != jobs.StateRunning || r.job.Attempt != attempt {
		return fmt.Errorf("%w: job %s attempt %d", jobs.ErrLeaseLost, job.ID, attempt)
	}
	now := b.clock.Now()
	q := b.queue(r.job.Queue)
	took := now.Sub(r.job.StartedAt)
	switch job.State {
	case jobs.StateCompleted:
		b.totals.count(true, took)
		q.totals.count(true, took)
		q.countAt(now, true)
	case jobs.StateRetrying, jobs.StateFailed:
		b.totals.count(false, took)
		q.totals.count(false, took)
		q.countAt(now, false)
	case jobs.StatePending, jobs.StateCancelled:
	default:
		return &jobs.TransitionError{JobID: job.ID, From: r.job.State, Action: "acknowledge as " + string(job.State)}
	}
	b.move(r, cloneJob(job), job.State == jobs.StatePending)
	return nil
}

// Delete removes a job that is not running, whatever its state.
func (b *Backend) Delete(ctx context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.jobs[id]
	if !ok {
		return fmt.Errorf("%w: %s", jobs.ErrJobNotFound, id)
	}
	if r.job.State == jobs.StateRunning {
		return &jobs.TransitionError{JobID: id, From: r.job.State, Action: "delete"}
	}
	b.forget(r)
	return nil
}

// Size is the number of pending jobs in queue.
func (b *Backend) Size(ctx context.Context, queueName string) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q, ok := b.queues[queueName]
	if !ok {
		return 0, nil
	}
	return q.size(), nil
}

// PromoteDue moves scheduled and retrying jobs whose execute-at time has
// come to the back of their queues and reports how many it moved.
func (b *Backend) PromoteDue(ctx context.Context) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trimExpired() // the age caps of the retention, as the Redis backend does here
	return b.promoteDue(b.clock.Now())
}

// promoteDue promotes the due jobs, earliest first.
func (b *Backend) promoteDue(now time.Time) (int, error) {
	n := 0
	for r := b.schedule.peek(); r != nil && !r.job.ExecuteAt.After(now); r = b.schedule.peek() {
		next, err := r.job.Promote(now)
		if err != nil {
			return n, err
		}
		b.move(r, next, false)
		n++
	}
	return n, nil
}

// RecoverExpired applies Job.ExpireLease to the running jobs whose lease
// deadline has passed: back to the end of their queue, or to the dead-letter
// queue when out of retries; the attempt counts against the job's retries
// only when it ran alone (Isolate), else it is refunded. Each is a failed
// attempt of unknown duration in the figures.
func (b *Backend) RecoverExpired(ctx context.Context) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	n := 0
	for r := b.leases.peek(); r != nil && r.job.LeaseUntil.Before(now); r = b.leases.peek() {
		next, err := r.job.ExpireLease(now)
		if err != nil {
			return n, err
		}
		b.totals.count(false, -1)
		q := b.queue(r.job.Queue)
		q.totals.count(false, -1)
		q.countAt(now, false)
		b.move(r, next, false)
		n++
	}
	return n, nil
}
