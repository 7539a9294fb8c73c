package memory

import (
	"container/heap"
	"time"

	"github.com/jobsgo/jobs"
)

// Unique keys. b.unique maps every key to the record that last took it;
// whether that record still holds the key is decided when asked
// (jobs.Job.HoldsUniqueKey), so finishing a job frees its key without
// any bookkeeping. Only removing a record (Delete, a purge, a retention cap)
// touches the map.

// checkUnique reports the first job of jobs whose unique key is held, by a
// stored job or by an earlier job of the same batch, as a
// *jobs.UniqueJobExistsError.
func (b *Backend) checkUnique(list []jobs.Job, now time.Time) error {
	var batch map[string]string // key -> ID of the batch's job that takes it
	for i := range list {
		key := list[i].UniqueKey
		if key == "" {
			continue
		}
		if r, ok := b.unique[key]; ok && r.job.HoldsUniqueKey(now) {
			return &jobs.UniqueJobExistsError{Key: key, ExistingJobID: r.job.ID}
		}
		if id, ok := batch[key]; ok {
			return &jobs.UniqueJobExistsError{Key: key, ExistingJobID: id}
		}
		if batch == nil {
			batch = make(map[string]string)
		}
		batch[key] = list[i].ID
	}
	return nil
}

// takeKey makes the newly stored r the holder of its unique key, if any.
func (b *Backend) takeKey(r *record) {
	if r.job.UniqueKey != "" {
		b.unique[r.job.UniqueKey] = r
	}
}

// retakeKey makes r, a job that became active again, the holder of its
// unique key unless another job holds it meanwhile (then r runs without
// holding it: the requeue was asked for explicitly).
func (b *Backend) retakeKey(r *record) {
	key := r.job.UniqueKey
	if key == "" {
		return
	}
	if h, ok := b.unique[key]; !ok || h == r || !h.job.HoldsUniqueKey(b.clock.Now()) {
		b.unique[key] = r
	}
}

// releaseKey frees r's unique key if r is its holder.
func (b *Backend) releaseKey(r *record) {
	if key := r.job.UniqueKey; key != "" && b.unique[key] == r {
		delete(b.unique, key)
	}
}

// linger handles a record that a retention cap removed: if it holds its
// unique key (its TTL has not passed), a stripped copy stays in the unique
// map and the lingering heap until the TTL passes; otherwise the key is
// freed.
func (b *Backend) linger(r *record, now time.Time) {
	b.sweepKeys(now)
	if b.unique[r.job.UniqueKey] != r || !r.job.HoldsUniqueKey(now) {
		b.releaseKey(r)
		return
	}
	r.job = jobs.Job{ID: r.job.ID, State: r.job.State, UniqueKey: r.job.UniqueKey, UniqueUntil: r.job.UniqueUntil}
	heap.Push(&b.lingering, r)
}

// sweepKeys frees the keys of lingering records whose TTL has passed.
func (b *Backend) sweepKeys(now time.Time) {
	for r := b.lingering.peek(); r != nil && !r.job.HoldsUniqueKey(now); r = b.lingering.peek() {
		heap.Pop(&b.lingering)
		b.releaseKey(r)
	}
}
