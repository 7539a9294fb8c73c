package redis

// Calls on running jobs: lease extension and the outcomes of Ack and
// AckDequeue.

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
)

// ExtendLeases moves the lease deadline of those of jobs that still run the
// same attempt to until and returns the IDs of the others.
func (b *Backend) ExtendLeases(ctx context.Context, batch []jobs.Job, until time.Time) ([]string, error) {
	var lost []string
	byQueue := make(map[string][]leaseRef)
	var order []string
	for _, j := range batch {
		if jobs.ValidateQueueName(j.Queue) != nil {
			lost = append(lost, j.ID)
			continue
		}
		if _, ok := byQueue[j.Queue]; !ok {
			order = append(order, j.Queue)
		}
		byQueue[j.Queue] = append(byQueue[j.Queue], leaseRef{id: j.ID, attempt: j.Attempt})
	}
	now := b.clock.Now()
	for _, q := range order {
		k := b.queue(q)
		args := extendArgs{head: head{k, now}, until: until, server: b.onServerClock(), jobs: byQueue[q]}
		res, err := extendScript.Run(ctx, b.client, k.keys, args.argv()...).StringSlice()
		if err != nil {
			return nil, fmt.Errorf("redis: extend leases in %s: %w", q, err)
		}
		lost = append(lost, res...)
	}
	return lost, nil
}

// Ack stores the outcome of a job that Dequeue returned. The stored job
// must still be running the same attempt (a released job carries one less,
// as Job.Release uncounts it), else Ack fails with jobs.ErrLeaseLost.
// Completed jobs go to the finished set and their type's history, retrying
// ones to the retry set, failed ones to the dead-letter queue and the
// history, cancelled ones to the finished set, and released ones back to
// the front of their priority list. Concurrent Acks of one queue share
// script calls (see Enqueue), and with the next Dequeue of the queue.
func (b *Backend) Ack(ctx context.Context, job jobs.Job) error {
	c, err := b.ackChange(job)
	if err != nil {
		return err
	}
	r, err := b.lanes.Do(ctx, job.Queue, laneOp{change: &c})
	if err != nil {
		return fmt.Errorf("redis: ack job %s: %w", job.ID, unknownOutcome(err, job.ID))
	}
	return ackRefused(c, r.code)
}

// AckDequeue stores job's outcome as Ack does and leases up to one pending
// job of its queue for lease, without blocking, in the same script call
// (see jobs.AckDequeuer). Such calls of one queue wait for the flush in
// flight and go together in the next: one round trip stores every outcome
// and leases a job for each caller.
func (b *Backend) AckDequeue(ctx context.Context, job jobs.Job, lease time.Duration) ([]jobs.Job, error) {
	if lease <= 0 {
		return nil, fmt.Errorf("redis: ack and dequeue %s: lease %s is not positive", job.ID, lease)
	}
	c, err := b.ackChange(job)
	if err != nil {
		return nil, err
	}
	r, err := b.lanes.Do(ctx, job.Queue, laneOp{change: &c, take: &takeRequest{limit: 1, lease: lease}})
	if err != nil {
		return nil, fmt.Errorf("redis: ack job %s: %w", job.ID, unknownOutcome(err, job.ID))
	}
	return r.taken.jobs, ackRefused(c, r.code)
}

// ackChange is the fenced change that stores job's outcome.
func (b *Backend) ackChange(job jobs.Job) (change, error) {
	// The fence (running, this attempt) makes the stored job the one
	// Dequeue returned, so the change stores only the fields that the
	// outcome's transition (jobs.Job.Complete, ...) sets.
	c := change{job: job, expect: jobs.StateRunning, attempt: strconv.Itoa(job.Attempt), state: job.State}
	switch job.State {
	case jobs.StateCompleted:
		c.outcome, c.history = "ok", true
		c.fields = codec.FieldFinishedAt | codec.FieldLease | codec.FieldResult
		if !codec.LogImplied(job) {
			// Else the stored job has no log (Dequeue returned none) and
			// its readers imply this one: nothing to write.
			c.fields |= codec.FieldAttemptLog
		}
	case jobs.StateRetrying:
		c.outcome = "fail"
		c.fields = codec.FieldExecuteAt | codec.FieldLease | codec.FieldError | codec.FieldAttemptLog
	case jobs.StateFailed:
		c.outcome, c.history = "fail", true
		c.fields = codec.FieldFinishedAt | codec.FieldLease | codec.FieldError | codec.FieldAttemptLog
	case jobs.StatePending:
		c.attempt, c.front = strconv.Itoa(job.Attempt+1), true
		c.fields = codec.FieldAttempt | codec.FieldLease | codec.FieldAlone // the next attempt reuses the number
	case jobs.StateCancelled:
		c.fields = codec.FieldFinishedAt | codec.FieldLease | codec.FieldAttemptLog
	default:
		return change{}, &jobs.TransitionError{JobID: job.ID, From: jobs.StateRunning, Action: "acknowledge as " + string(job.State)}
	}
	if jobs.ValidateQueueName(job.Queue) != nil {
		return change{}, fmt.Errorf("%w: job %s names no valid queue (%q)", jobs.ErrLeaseLost, job.ID, job.Queue)
	}
	if c.outcome != "" {
		c.duration = strconv.FormatInt(int64(b.clock.Now().Sub(job.StartedAt)), 10)
	}
	return c, nil
}

// ackRefused turns move's code for an Ack's change c into its error.
func ackRefused(c change, code int64) error {
	if code != 1 {
		return fmt.Errorf("%w: job %s attempt %s", jobs.ErrLeaseLost, c.job.ID, c.attempt)
	}
	return nil
}
