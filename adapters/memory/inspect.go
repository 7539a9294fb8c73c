package memory

import (
	"cmp"
	"container/list"
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/paging"
)

// cursor is where a ListJobs page ended: the last job listed and the key it
// was listed by. It travels as paging.EncodeCursor makes it.
type cursor struct {
	State   jobs.State `json:"s"`
	Queue   string     `json:"q"`
	ID      string     `json:"i"`
	Attempt int        `json:"a"`
	Key     int64      `json:"k"` // pending: priority; others: the ordering time in Unix ns
	Seq     uint64     `json:"n"`
}

// decodeCursor parses s, which must have been issued for the same queue and
// state, or fails with jobs.ErrInvalidCursor.
func decodeCursor(s string, q jobs.JobQuery) (cursor, error) {
	c, err := paging.DecodeCursor[cursor](s)
	if err != nil || c.State != q.State || c.Queue != q.Queue || c.ID == "" {
		return cursor{}, fmt.Errorf("%w: %q", jobs.ErrInvalidCursor, s)
	}
	return c, nil
}

// ListJobs returns one page of the jobs of q.Queue in q.State.
//
// Pending jobs are listed in the order workers take them, and a page
// continues right after the last job of the previous one while that job is
// still pending where it was; once it has been taken, listing resumes at the
// front of its priority, so jobs are never skipped (a job cancelled out of
// the middle of a queue may make its neighbours show twice). Scheduled,
// retrying and running jobs are paged by their execute-at time or lease
// deadline, a key that changing queues do not disturb (a running job whose
// lease is renewed between pages may move). Failed, completed and cancelled
// jobs are listed newest first, resuming after the last job listed or, once
// it is gone, at the first job that finished no later than it.
func (b *Backend) ListJobs(ctx context.Context, q jobs.JobQuery) (jobs.JobPage, error) {
	q, after, err := paging.Open(q, decodeCursor)
	if err != nil {
		return jobs.JobPage{}, err
	}
	limit := q.Limit
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trimDead()
	qu, ok := b.queues[q.Queue]
	if !ok {
		return jobs.JobPage{Jobs: []jobs.Job{}}, nil
	}
	var recs []*record
	switch q.State {
	case jobs.StateScheduled, jobs.StateRetrying:
		recs = b.byKey(&b.schedule, q, after, limit+1)
	case jobs.StateRunning:
		recs = b.byKey(&b.leases, q, after, limit+1)
	default:
		for r := range b.inOrder(qu, q.State, after) {
			if recs = append(recs, r); len(recs) > limit {
				break
			}
		}
	}
	job := func(r *record) jobs.Job { return cloneJob(r.job) }
	next := func(r *record) string { return paging.EncodeCursor(b.cursorAt(r)) }
	return paging.Page(recs, limit, job, next), nil
}

// cursorAt is the cursor of a page that ends with r.
func (b *Backend) cursorAt(r *record) cursor {
	c := cursor{State: r.job.State, Queue: r.job.Queue, ID: r.job.ID, Attempt: r.job.Attempt, Seq: r.seq}
	switch r.job.State {
	case jobs.StatePending:
		c.Key = int64(r.job.Priority)
	case jobs.StateScheduled, jobs.StateRetrying:
		c.Key = r.job.ExecuteAt.UnixNano()
	case jobs.StateRunning:
		c.Key = r.job.LeaseUntil.UnixNano()
	default:
		c.Key = r.job.FinishedAt.UnixNano()
	}
	return c
}

// byKey returns up to n records of h in q's queue and state whose heap key
// (then enqueue order) comes after the cursor's, in that order.
func (b *Backend) byKey(h *timeHeap, q jobs.JobQuery, after *cursor, n int) []*record {
	type keyed struct {
		key int64
		r   *record
	}
	var found []keyed
	for _, r := range h.recs {
		if r.job.Queue != q.Queue || r.job.State != q.State {
			continue
		}
		k := h.key(r).UnixNano()
		if after != nil && (k < after.Key || k == after.Key && r.seq <= after.Seq) {
			continue
		}
		found = append(found, keyed{k, r})
	}
	slices.SortFunc(found, func(a, c keyed) int {
		return cmp.Or(cmp.Compare(a.key, c.key), cmp.Compare(a.r.seq, c.r.seq))
	})
	out := make([]*record, 0, min(len(found), n))
	for _, f := range found[:min(len(found), n)] {
		out = append(out, f.r)
	}
	return out
}

// inOrder yields the records of qu in a list-kept state (pending, failed,
// completed or cancelled) in listing order, starting after the cursor.
func (b *Backend) inOrder(qu *queue, state jobs.State, after *cursor) iter.Seq[*record] {
	if state == jobs.StatePending {
		return b.pendingAfter(qu, after)
	}
	l := b.finished
	if state == jobs.StateFailed {
		l = b.dead
	}
	keep := func(r *record) bool { return r.job.Queue == qu.name && r.job.State == state }
	return func(yield func(*record) bool) {
		e := l.Front()
		if after != nil {
			if r, ok := b.jobs[after.ID]; ok && keep(r) && r.job.Attempt == after.Attempt && r.job.FinishedAt.UnixNano() == after.Key {
				e = r.elem.Next()
			} else {
				// The last job listed is gone: skip the jobs that
				// finished after it (the list holds them newest
				// first); ties may show twice, none is skipped.
				for e != nil && e.Value.(*record).job.FinishedAt.UnixNano() > after.Key {
					e = e.Next()
				}
			}
		}
		for ; e != nil; e = e.Next() {
			if r := e.Value.(*record); keep(r) && !yield(r) {
				return
			}
		}
	}
}

// pendingAfter yields qu's pending jobs in the order workers take them,
// starting after the cursor.
func (b *Backend) pendingAfter(qu *queue, after *cursor) iter.Seq[*record] {
	return func(yield func(*record) bool) {
		first := 0
		var e *list.Element
		if after != nil {
			p := jobs.Priority(after.Key)
			if !p.Valid() {
				return
			}
			first = int(jobs.PriorityCritical - p)
			r, ok := b.jobs[after.ID]
			if ok && r.job.State == jobs.StatePending && r.job.Queue == qu.name && r.job.Attempt == after.Attempt {
				e = r.elem.Next()
				if e == nil {
					first++
				}
			}
		}
		for i := first; i < len(qu.pending); i++ {
			if e == nil {
				e = qu.pending[i].Front()
			}
			for ; e != nil; e = e.Next() {
				if !yield(e.Value.(*record)) {
					return
				}
			}
		}
	}
}

// PauseQueue makes Dequeue take nothing from queue until ResumeQueue;
// enqueueing goes on. Pausing a queue that has no jobs yet creates it, so
// that it shows (paused) in Stats.
func (b *Backend) PauseQueue(ctx context.Context, queue string) error {
	return b.setPaused(queue, true)
}

// ResumeQueue lets Dequeue take jobs of queue again and wakes the calls
// waiting on it.
func (b *Backend) ResumeQueue(ctx context.Context, queue string) error {
	return b.setPaused(queue, false)
}

func (b *Backend) setPaused(queue string, paused bool) error {
	if err := jobs.ValidateQueueName(queue); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	q.paused = paused
	if !paused {
		q.signal()
	}
	return nil
}

// RetryDeadLetters applies Job.Requeue to every dead-letter job matching
// q's Queue and Type, oldest first so that they keep their order, puts them
// at the back of their queues and reports how many.
func (b *Backend) RetryDeadLetters(ctx context.Context, q jobs.DeadLetterQuery) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trimDead()
	now := b.clock.Now()
	n := 0
	for _, r := range b.matchingDead(q) {
		next, err := r.job.Requeue(now)
		if err != nil {
			return n, err
		}
		b.move(r, next, false)
		n++
	}
	return n, nil
}

// PurgeDeadLetters deletes every dead-letter job matching q's Queue and
// Type and reports how many. Their entries in History stay.
func (b *Backend) PurgeDeadLetters(ctx context.Context, q jobs.DeadLetterQuery) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	recs := b.matchingDead(q)
	for _, r := range recs {
		b.forget(r)
	}
	return len(recs), nil
}

// matchingDead lists the dead-letter records matching q's filters, the
// oldest first.
func (b *Backend) matchingDead(q jobs.DeadLetterQuery) []*record {
	var out []*record
	for e := b.dead.Back(); e != nil; e = e.Prev() {
		r := e.Value.(*record)
		if (q.Queue == "" || r.job.Queue == q.Queue) && (q.Type == "" || r.job.Type == q.Type) {
			out = append(out, r)
		}
	}
	return out
}
