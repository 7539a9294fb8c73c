package redis

import (
	"context"
	"errors"

	"github.com/jobsgo/jobs"
)

// enqueueOne stores a single new job through the queue's enqueue
// committer: concurrent single-job Enqueue calls of one queue share one
// script call.
func (b *Backend) enqueueOne(ctx context.Context, job jobs.Job) error {
	if err := job.ValidateNew(); err != nil {
		return err
	}
	res, err := b.enqueues.Do(ctx, job.Queue, job)
	if err != nil {
		return sharedOutcome(err, job.ID)
	}
	return res
}

// flushEnqueue stores a job given to an Enqueue call that went alone: what
// flushEnqueues does for a batch of one, without its slices (a job is
// large to copy).
func (b *Backend) flushEnqueue(ctx context.Context, _ string, j jobs.Job) (error, error) {
	switch {
	case dueWhenCreated(&j):
		return b.enqueueFresh(ctx, &j), nil // enqueueOne validated it
	case !indexed(j):
		return b.enqueueList(ctx, []jobs.Job{j}), nil
	default:
		return b.enqueue(ctx, j), nil
	}
}

// flushEnqueues stores jobs of one queue given to separate Enqueue calls.
// They are stored all or none, so when that fails for a reason that one job
// may cause alone (an ID in use, a job that does not encode), each is
// stored on its own and gets its own answer; other errors (the server)
// are every caller's.
func (b *Backend) flushEnqueues(ctx context.Context, key string, list []jobs.Job) ([]error, error) {
	if len(list) == 1 { // a call that waited alone: its error is its own
		err, _ := b.flushEnqueue(ctx, key, list[0])
		return []error{err}, nil
	}
	errs := make([]error, len(list))
	var err error
	if oneList(list) {
		err = b.enqueueList(ctx, list) // enqueueOne validated them
	} else {
		err = b.enqueue(ctx, list...)
	}
	switch {
	case err == nil:
	case errors.Is(err, jobs.ErrDuplicateJob) || errors.Is(err, jobs.ErrInvalidJob):
		for i, j := range list {
			errs[i] = b.enqueue(ctx, j)
		}
	default:
		return nil, err
	}
	return errs, nil
}
