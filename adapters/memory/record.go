package memory

import (
	"container/heap"
	"container/list"
	"maps"
	"slices"
	"time"

	"github.com/jobsgo/jobs"
)

// record is a stored job and where it sits. Which structure holds it follows
// from job.State alone: pending jobs are in their queue's priority list,
// scheduled and retrying ones in the schedule heap, running ones in the lease
// heap, failed ones in the dead list, completed and cancelled ones in the
// finished list. place and unplace are the only code that moves records
// between these structures, so the per-queue counts stay right. A record
// forgotten by a retention cap while its unique key is still held lives on,
// stripped, in the lingering heap (see linger).
type record struct {
	job       jobs.Job
	seq       uint64        // enqueue order, breaks ties between equal times
	elem      *list.Element // in a pending, dead or finished list
	heapIndex int           // in the schedule, lease or lingering heap; -1 in none
}

// place files r under its job's state. A pending job goes to the front of
// its priority list when front is set (a released job keeps its turn), to
// the back otherwise.
func (b *Backend) place(r *record, front bool) {
	q := b.queue(r.job.Queue)
	switch r.job.State {
	case jobs.StatePending:
		l := q.list(r.job.Priority)
		if front {
			r.elem = l.PushFront(r)
		} else {
			r.elem = l.PushBack(r)
		}
		q.signal()
	case jobs.StateScheduled:
		heap.Push(&b.schedule, r)
		q.scheduled++
		b.scheduled(r)
	case jobs.StateRetrying:
		heap.Push(&b.schedule, r)
		q.retrying++
		b.scheduled(r)
	case jobs.StateRunning:
		heap.Push(&b.leases, r)
		q.running++
	case jobs.StateFailed:
		r.elem = b.dead.PushFront(r)
		q.dead++
		b.remember(r.job)
		b.trimDead()
	case jobs.StateCompleted, jobs.StateCancelled:
		r.elem = b.finished.PushFront(r)
		if r.job.State == jobs.StateCompleted {
			b.remember(r.job)
		}
		b.trimFinished()
	}
}

// unplace takes r out of the structure its job's state files it under.
func (b *Backend) unplace(r *record) {
	q := b.queue(r.job.Queue)
	switch r.job.State {
	case jobs.StatePending:
		q.list(r.job.Priority).Remove(r.elem)
	case jobs.StateScheduled:
		heap.Remove(&b.schedule, r.heapIndex)
		q.scheduled--
	case jobs.StateRetrying:
		heap.Remove(&b.schedule, r.heapIndex)
		q.retrying--
	case jobs.StateRunning:
		heap.Remove(&b.leases, r.heapIndex)
		q.running--
	case jobs.StateFailed:
		b.dead.Remove(r.elem)
		q.dead--
	case jobs.StateCompleted, jobs.StateCancelled:
		b.finished.Remove(r.elem)
	}
	r.elem = nil
}

// move replaces r's job with next, refiling it. A job that leaves a
// terminal state (a dead-letter job requeued) takes its unique key back.
func (b *Backend) move(r *record, next jobs.Job, front bool) {
	b.unplace(r)
	reactivated := r.job.State.Terminal() && !next.State.Terminal()
	r.job = next
	b.place(r, front)
	if reactivated {
		b.retakeKey(r)
	}
}

// forget removes r from the backend entirely, as a deletion does: its
// unique key is free again.
func (b *Backend) forget(r *record) {
	b.unplace(r)
	delete(b.jobs, r.job.ID)
	b.releaseKey(r)
}

// expire forgets a finished job that a retention cap dropped. Unlike a
// deletion it keeps the job's unique key held until its TTL passes.
func (b *Backend) expire(r *record, now time.Time) {
	b.unplace(r)
	delete(b.jobs, r.job.ID)
	b.linger(r, now)
}

// trimDead drops dead-letter jobs beyond the count cap or the age cap.
func (b *Backend) trimDead() {
	now := b.clock.Now()
	trim(b.dead, b.retention.DeadLetterLimit, now.Add(-b.retention.DeadLetterMaxAge), func(r *record) { b.expire(r, now) })
}

// trimFinished drops completed and cancelled jobs beyond the count cap or
// the age cap.
func (b *Backend) trimFinished() {
	now := b.clock.Now()
	trim(b.finished, b.retention.CompletedLimit, now.Add(-b.retention.CompletedMaxAge), func(r *record) { b.expire(r, now) })
}

// trimExpired applies the age caps of both finished lists, for reads.
func (b *Backend) trimExpired() {
	b.trimDead()
	b.trimFinished()
}

// trim drops the oldest records of l (kept newest first) while it holds
// more than limit or its oldest finished before cutoff.
func trim(l *list.List, limit int, cutoff time.Time, drop func(*record)) {
	for e := l.Back(); e != nil; e = l.Back() {
		r := e.Value.(*record)
		if l.Len() <= limit && !r.job.FinishedAt.Before(cutoff) {
			return
		}
		drop(r)
	}
}

// remember adds a finished job to its type's history. The entry shares the
// stored job's args and result instead of holding a second copy of them:
// no one writes them in place (every change stores a copy, every read
// returns one).
func (b *Backend) remember(j jobs.Job) {
	h, ok := b.history[j.Type]
	if !ok {
		h = &ring{jobs: make([]jobs.Job, 0, min(b.retention.HistoryLimit, 16)), limit: b.retention.HistoryLimit}
		b.history[j.Type] = h
	}
	args, result := j.Args, j.Result
	j.Args, j.Result = nil, nil
	e := cloneJob(j)
	e.Args, e.Result = args, result
	h.add(e)
}

// ring holds the last limit jobs added, overwriting the oldest.
type ring struct {
	jobs  []jobs.Job
	next  int // where the next job goes once the ring is full
	limit int
}

func (h *ring) add(j jobs.Job) {
	if len(h.jobs) < h.limit {
		h.jobs = append(h.jobs, j)
		return
	}
	h.jobs[h.next] = j
	h.next = (h.next + 1) % h.limit
}

// newest returns copies of up to limit jobs, the newest first; limit < 1
// means all.
func (h *ring) newest(limit int) []jobs.Job {
	n := len(h.jobs)
	if limit > 0 && limit < n {
		n = limit
	}
	out := make([]jobs.Job, 0, n)
	newest := len(h.jobs) - 1
	if len(h.jobs) == h.limit {
		newest = (h.next - 1 + h.limit) % h.limit
	}
	for i := range n {
		out = append(out, cloneJob(h.jobs[(newest-i+len(h.jobs))%len(h.jobs)]))
	}
	return out
}

// timeHeap is a min-heap of records by a time (ties by enqueue order) that
// keeps each record's index, so that any record can be removed or fixed in
// O(log n). Use it through container/heap.
type timeHeap struct {
	recs []*record
	key  func(*record) time.Time
}

func (h *timeHeap) Len() int { return len(h.recs) }

func (h *timeHeap) Less(i, j int) bool {
	a, c := h.key(h.recs[i]), h.key(h.recs[j])
	if !a.Equal(c) {
		return a.Before(c)
	}
	return h.recs[i].seq < h.recs[j].seq
}

func (h *timeHeap) Swap(i, j int) {
	h.recs[i], h.recs[j] = h.recs[j], h.recs[i]
	h.recs[i].heapIndex = i
	h.recs[j].heapIndex = j
}

// Push implements heap.Interface; x is a *record.
func (h *timeHeap) Push(x any) {
	r := x.(*record)
	r.heapIndex = len(h.recs)
	h.recs = append(h.recs, r)
}

// Pop implements heap.Interface.
func (h *timeHeap) Pop() any {
	last := len(h.recs) - 1
	r := h.recs[last]
	h.recs[last] = nil
	h.recs = h.recs[:last]
	r.heapIndex = -1
	return r
}

// peek returns the earliest record, or nil.
func (h *timeHeap) peek() *record {
	if len(h.recs) == 0 {
		return nil
	}
	return h.recs[0]
}

// cloneJob returns a copy of j that shares no memory with it.
func cloneJob(j jobs.Job) jobs.Job {
	j.FreshID = false // not stored (see jobs.Job.FreshID)
	j.Args = slices.Clone(j.Args)
	j.Result = slices.Clone(j.Result)
	j.Metadata = maps.Clone(j.Metadata)
	if j.Retry != nil {
		p := *j.Retry
		j.Retry = &p
	}
	if j.Error != nil {
		e := *j.Error
		j.Error = &e
	}
	if j.AttemptLog != nil {
		log := slices.Clone(j.AttemptLog)
		for i, a := range log {
			if a.Error != nil {
				e := *a.Error
				log[i].Error = &e
			}
		}
		j.AttemptLog = log
	}
	return j
}
