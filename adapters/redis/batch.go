package redis

import (
	"context"
	"errors"
	goruntime "runtime"
	"sync"

	"github.com/jobsgo/jobs/runtime"
)

// maxBatch bounds the calls one flush carries: a batch that fills up is
// flushed at once, even while another flush of its lane is in flight.
// One flush at a time per lane is deliberate: measured on the bench, a
// second one in flight halves the batches and costs more than it saves.
const maxBatch = 256

// committer coalesces concurrent calls into group commits, one lane per
// key (a queue). A call that finds its lane idle is flushed at once, alone;
// calls made while a flush is in flight wait and go together in the next
// one. There is no timer: an idle system flushes every call immediately,
// a busy one carries as many calls per round trip as arrived during the
// last one.
type committer[T, R any] struct {
	// flush runs one batch of items of key and returns one result per
	// item, or an error for all of them.
	flush func(ctx context.Context, key string, items []T) ([]R, error)

	mu    sync.Mutex
	lanes map[string]*lane[T, R]
}

// lane is the state of one key, guarded by committer.mu.
type lane[T, R any] struct {
	busy bool         // a flush is in flight
	next *batch[T, R] // calls waiting for the next flush, nil when none
}

// batch is the calls of one flush. Until the flush starts, live is guarded
// by committer.mu; res and err are written by the flush before done closes.
type batch[T, R any] struct {
	ctx   context.Context // of the first caller, without its cancellation
	items []T
	live  []bool // false: the caller gave up before the flush started
	res   []R
	err   error
	done  chan struct{}
}

func newCommitter[T, R any](flush func(context.Context, string, []T) ([]R, error)) *committer[T, R] {
	return &committer[T, R]{flush: flush, lanes: make(map[string]*lane[T, R])}
}

// do adds item to the next flush of key and returns its result. When ctx
// ends before that flush starts, the item is withdrawn and do returns
// ctx.Err(); when it ends during the flush, do returns ctx.Err() at once
// and the item's outcome is unknown to the caller, as with any cancelled
// round trip.
func (c *committer[T, R]) do(ctx context.Context, key string, item T) (R, error) {
	var zero R
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	c.mu.Lock()
	l := c.lanes[key]
	if l == nil {
		l = &lane[T, R]{}
		c.lanes[key] = l
	}
	b := l.next
	if b == nil {
		b = &batch[T, R]{ctx: context.WithoutCancel(ctx), done: make(chan struct{})}
		l.next = b
	}
	i := len(b.items)
	b.items = append(b.items, item)
	b.live = append(b.live, true)
	switch {
	case !l.busy:
		l.busy, l.next = true, nil
		go c.run(key, l, b)
	case len(b.items) >= maxBatch:
		l.next = nil // sealed: flushed now, next to the one in flight
		go c.run(key, nil, b)
	}
	c.mu.Unlock()

	select {
	case <-b.done:
		if b.err != nil {
			return zero, b.err
		}
		return b.res[i], nil
	case <-ctx.Done():
		c.mu.Lock()
		if l.next == b {
			b.live[i] = false
		}
		c.mu.Unlock()
		return zero, ctx.Err()
	}
}

// run flushes b and, when l is not nil (b holds the lane's turn), then
// starts the lane's next batch or marks the lane idle.
func (c *committer[T, R]) run(key string, l *lane[T, R], b *batch[T, R]) {
	for b != nil {
		c.flushBatch(key, b)
		if l == nil {
			return
		}
		// Let the callers just released make their next calls, so that
		// they go in the next flush rather than in the one after it.
		goruntime.Gosched()
		c.mu.Lock()
		b, l.next = l.next, nil
		if b == nil {
			l.busy = false
		}
		c.mu.Unlock()
	}
}

// flushBatch runs the flush on b's live items and hands out the results.
func (c *committer[T, R]) flushBatch(key string, b *batch[T, R]) {
	defer close(b.done)
	c.mu.Lock()
	items := make([]T, 0, len(b.items))
	for i, it := range b.items {
		if b.live[i] {
			items = append(items, it)
		}
	}
	c.mu.Unlock()
	if len(items) == 0 {
		return
	}
	res, err := c.flush(b.ctx, key, items)
	if err != nil {
		b.err = err
		return
	}
	b.res = make([]R, len(b.items))
	j := 0
	for i := range b.items {
		if b.live[i] {
			b.res[i] = res[j]
			j++
		}
	}
}

// enqueueOne stores a single new job through the queue's enqueue
// committer: concurrent single-job Enqueue calls of one queue share one
// script call.
func (b *Backend) enqueueOne(ctx context.Context, job runtime.Job) error {
	if err := job.ValidateNew(); err != nil {
		return err
	}
	res, err := b.enqueues.do(ctx, job.Queue, job)
	if err != nil {
		return err
	}
	return res
}

// flushEnqueues stores jobs of one queue given to separate Enqueue calls.
// They are stored all or none, so when that fails for a reason that one job
// may cause alone (an ID in use, a job that does not encode), each is
// stored on its own and gets its own answer; other errors (the server)
// are every caller's.
func (b *Backend) flushEnqueues(ctx context.Context, _ string, jobs []runtime.Job) ([]error, error) {
	errs := make([]error, len(jobs))
	err := b.enqueue(ctx, jobs...)
	switch {
	case err == nil:
	case len(jobs) == 1:
		errs[0] = err
	case errors.Is(err, runtime.ErrDuplicateJob) || errors.Is(err, runtime.ErrInvalidJob):
		for i, j := range jobs {
			errs[i] = b.enqueue(ctx, j)
		}
	default:
		return nil, err
	}
	return errs, nil
}

// flushAcks applies the changes of separate Ack calls of one queue in one
// move.lua call.
func (b *Backend) flushAcks(ctx context.Context, queue string, changes []change) ([]int64, error) {
	return b.move(ctx, b.queue(queue), changes)
}
