// Package groupcommit coalesces concurrent calls into group commits, one
// lane per key: what the Redis backend uses to carry many Enqueue, Dequeue
// and Ack calls of one queue in one script call. It knows nothing of Redis
// or jobs: the flush function does the work.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
)

// ErrLeftInFlight is the error (with the context's) of a call whose
// context ended while the flush carrying it was in flight: the flush may
// still apply it.
var ErrLeftInFlight = errors.New("context done while the request was in flight")

// MaxBatch bounds the calls one flush carries: a batch that fills up is
// flushed at once, even while its lane's turns are all taken.
const MaxBatch = 256

// Committer coalesces concurrent calls into group commits, one lane per
// key (a queue). A call that finds a turn of its lane free is flushed at
// once, alone; calls made while every turn is in flight wait and go
// together in the next flush. There is no timer: an idle system flushes
// every call immediately, a busy one carries as many calls per round trip
// as arrived during the last one.
type Committer[T, R any] struct {
	// Flush runs one batch of items of key and returns one result per
	// item, or an error for all of them.
	Flush func(ctx context.Context, key string, items []T) ([]R, error)
	// FlushOne, when set, flushes a call that goes alone instead of Flush
	// (which then gets only batches): the same work without the slices,
	// which a value that is large to copy makes worth sparing.
	FlushOne func(ctx context.Context, key string, item T) (R, error)
	// Urgent, when set, picks the calls that must not wait for the flush
	// in flight: such a call seals its batch and flushes it at once.
	Urgent func(T) bool
	// Turns is how many flushes of one lane may be in flight at once
	// (at least 1); a call waits only when all of them are.
	Turns int
	// Abandoned, when set, receives on a goroutine of its own the result
	// of each call whose caller left while its flush was in flight (see
	// Do), such as jobs leased for a Dequeue that returned.
	Abandoned func(key string, r R)

	mu    sync.Mutex
	lanes map[string]*lane[T, R]
}

// lane is the state of one key, guarded by Committer.mu.
type lane[T, R any] struct {
	running int          // flushes in flight that hold a turn
	next    *batch[T, R] // calls waiting for the next flush, nil when none
}

// batch is the calls of one flush. live, started, left and finished are
// guarded by Committer.mu; res and err are written by the flush before
// finished is set and done closes.
type batch[T, R any] struct {
	ctx      context.Context // of the first caller, without its cancellation
	items    []T
	live     []bool // false: the caller gave up before the flush started
	started  bool   // the flush has taken the live items
	left     []bool // true: the caller gave up while the flush was in flight
	finished bool   // res and err are set
	res      []R
	err      error
	done     chan struct{}
}

// New returns a Committer whose flushes run flush; set its other fields
// before the first call of Do.
func New[T, R any](flush func(ctx context.Context, key string, items []T) ([]R, error)) *Committer[T, R] {
	return &Committer[T, R]{Flush: flush, lanes: make(map[string]*lane[T, R])}
}

// Do adds item to the next flush of key and returns its result. When ctx
// ends before that flush starts, the item is withdrawn and do returns
// ctx.Err(); once the flush has started, do returns at once with an error
// matching ErrLeftInFlight and ctx.Err(): the flush, bounded by the
// client's I/O timeouts, may still apply the item, and hands its result
// to abandoned. A call that finds a turn free and has no deadline runs
// the flush itself; one with a deadline has it run on another goroutine,
// so as to return by the deadline.
func (c *Committer[T, R]) Do(ctx context.Context, key string, item T) (R, error) {
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
	if _, ok := ctx.Deadline(); !ok && l.next == nil && l.running < max(c.Turns, 1) {
		// A free turn and no call waiting: this call is flushed alone,
		// by its caller, with no batch to share.
		l.running++
		c.mu.Unlock()
		return c.flushAlone(ctx, key, l, item)
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
	case l.running < max(c.Turns, 1):
		// A free turn: the batch holds this call alone, which the caller
		// flushes itself rather than wait for a goroutine to do it.
		l.running++
		l.next = nil
		if _, ok := ctx.Deadline(); ok {
			go c.run(key, l, b)
			break
		}
		c.mu.Unlock()
		c.flushBatch(key, b)
		if next := c.handOn(l); next != nil {
			go c.run(key, l, next)
		}
		return b.result(i)
	case len(b.items) >= MaxBatch || (c.Urgent != nil && c.Urgent(item)):
		l.next = nil // sealed: flushed now, next to the one in flight
		go c.run(key, nil, b)
	}
	c.mu.Unlock()

	select {
	case <-b.done:
	case <-ctx.Done():
		c.mu.Lock()
		withdrawn, finished := !b.started, b.finished
		switch {
		case withdrawn:
			b.live[i] = false
		case !finished:
			if b.left == nil {
				b.left = make([]bool, len(b.items))
			}
			b.left[i] = true
		}
		c.mu.Unlock()
		switch {
		case withdrawn:
			return zero, ctx.Err()
		case !finished:
			return zero, fmt.Errorf("%w: %w", ErrLeftInFlight, ctx.Err())
		}
	}
	return b.result(i)
}

// flushAlone flushes item on its own, in a turn of l that the caller took,
// and then hands the turn on to the calls that came meanwhile, if any.
// The flush runs without ctx's cancellation, as every flush does.
func (c *Committer[T, R]) flushAlone(ctx context.Context, key string, l *lane[T, R], item T) (R, error) {
	if ctx.Done() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	var res R
	var err error
	if c.FlushOne != nil {
		res, err = c.FlushOne(ctx, key, item)
	} else {
		var all []R
		if all, err = c.Flush(ctx, key, []T{item}); err == nil {
			res = all[0]
		}
	}
	if next := c.handOn(l); next != nil {
		go c.run(key, l, next)
	}
	if err != nil {
		var zero R
		return zero, err
	}
	return res, nil
}

// result is the outcome of the i-th call of b, once b is flushed.
func (b *batch[T, R]) result(i int) (R, error) {
	if b.err != nil {
		var zero R
		return zero, b.err
	}
	return b.res[i], nil
}

// run flushes b and, when l is not nil (b holds a turn of the lane), then
// the lane's next batches until none waits.
func (c *Committer[T, R]) run(key string, l *lane[T, R], b *batch[T, R]) {
	for b != nil {
		c.flushBatch(key, b)
		if l == nil {
			return
		}
		// Let the callers just released make their next calls, so that
		// they go in the next flush rather than in the one after it.
		goruntime.Gosched()
		b = c.handOn(l)
	}
}

// handOn is called when a flush holding a turn of l ends: it returns the
// batch waiting for the next flush, which keeps the turn, or frees the
// turn and returns nil when no call waits.
func (c *Committer[T, R]) handOn(l *lane[T, R]) *batch[T, R] {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := l.next
	l.next = nil
	if b == nil {
		l.running--
	}
	return b
}

// flushBatch runs the flush on b's live items and hands out the results:
// to their callers, and those of callers that left to abandoned.
func (c *Committer[T, R]) flushBatch(key string, b *batch[T, R]) {
	defer close(b.done)
	defer c.finish(key, b)
	c.mu.Lock()
	b.started = true
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
	res, err := c.Flush(b.ctx, key, items)
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

// finish marks b finished and hands abandoned the results of the calls
// whose callers left.
func (c *Committer[T, R]) finish(key string, b *batch[T, R]) {
	c.mu.Lock()
	b.finished = true
	left := b.left
	c.mu.Unlock()
	if c.Abandoned == nil || b.err != nil || b.res == nil {
		return
	}
	for i, gone := range left {
		if gone {
			go c.Abandoned(key, b.res[i])
		}
	}
}
