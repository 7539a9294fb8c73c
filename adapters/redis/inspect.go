package redis

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
	"github.com/jobsgo/jobs/internal/paging"
)

// cursor is where a ListJobs page ended: the last job listed and the key it
// was listed by. It travels as paging.EncodeCursor makes it.
type cursor struct {
	State jobs.State `json:"s"`
	Queue string     `json:"q"`
	ID    string     `json:"i"`
	Key   string     `json:"k"` // pending: the priority; else the zset score
}

// decodeCursor parses s, which must have been issued for the same queue and
// state, or fails with jobs.ErrInvalidCursor.
func decodeCursor(s string, q jobs.JobQuery) (cursor, error) {
	c, err := paging.DecodeCursor[cursor](s)
	valid := err == nil && c.State == q.State && c.Queue == q.Queue && jobs.ValidateJobID(c.ID) == nil
	if valid && q.State == jobs.StatePending {
		p, err := strconv.Atoi(c.Key)
		valid = err == nil && jobs.Priority(p).Valid()
	} else if valid {
		_, err := strconv.ParseFloat(c.Key, 64)
		valid = err == nil
	}
	if !valid {
		return cursor{}, fmt.Errorf("%w: %q", jobs.ErrInvalidCursor, s)
	}
	return c, nil
}

// ListJobs returns one page of the jobs of q.Queue in q.State, read by
// page.lua in one atomic call: pending jobs in the order workers take
// them, scheduled and retrying ones by execute-at time, running ones by
// lease deadline, failed, completed and cancelled ones newest first (ties
// by ID). Each page reads a window of its size from one list or zset,
// positioned by the cursor's job (LPOS, ZRANK) or, once that job has left,
// by its priority or score, so pages stay fast in a queue of any length.
// A pending page whose cursor job was taken resumes at the front of its
// priority (jobs are not skipped; none are listed twice unless released).
func (b *Backend) ListJobs(ctx context.Context, q jobs.JobQuery) (jobs.JobPage, error) {
	q, after, err := paging.Open(q, decodeCursor)
	if err != nil {
		return jobs.JobPage{}, err
	}
	if after == nil {
		after = &cursor{}
	}
	if q.Filtered() {
		return b.scanJobs(ctx, q, *after)
	}
	limit := q.Limit
	entries, err := b.page(ctx, b.queue(q.Queue), q.State, limit+1, *after, false)
	if err != nil {
		return jobs.JobPage{}, err
	}
	job := func(e entry) jobs.Job { return e.job }
	next := func(e entry) string { return paging.EncodeCursor(e.at) }
	return paging.Page(entries, limit, job, next), nil
}

// scanBatch is how many jobs a filtered ListJobs reads per page.lua call.
const scanBatch = 500

// scanJobs is ListJobs of a filtered query q: it reads windows of
// scanBatch jobs after the cursor and keeps the matches, up to q.Limit of
// them or until it has examined q.ScanLimit jobs.
func (b *Backend) scanJobs(ctx context.Context, q jobs.JobQuery, after cursor) (jobs.JobPage, error) {
	k := b.queue(q.Queue)
	sc := paging.NewScanner(q)
	for {
		n := min(scanBatch, q.ScanLimit-sc.Scanned())
		entries, err := b.page(ctx, k, q.State, n, after, false)
		if err != nil {
			return jobs.JobPage{}, err
		}
		last := len(entries) < n // no job follows these
		for i, e := range entries {
			if !sc.Add(e.job, func() string { return paging.EncodeCursor(e.at) }) {
				return sc.Page(last && i+1 == len(entries)), nil
			}
		}
		if last {
			return sc.Page(true), nil
		}
		after = entries[len(entries)-1].at
	}
}

// entry is a job read by page.lua, with its stored record, whether that
// decoded, and the cursor that continues after it.
type entry struct {
	job     jobs.Job
	rec     codec.Record
	corrupt bool
	at      cursor
}

// page runs page.lua: up to n jobs of k's queue in state after the cursor,
// in ListJobs order, or in the opposite order of a zset when reverse is set.
func (b *Backend) page(ctx context.Context, k *queueKeys, state jobs.State, n int, after cursor, reverse bool) ([]entry, error) {
	args := pageArgs{head: head{k, b.clock.Now()}, state: state, max: n, after: after, reverse: reverse}
	res, err := pageScript.Run(ctx, b.client, k.keys, args.argv()...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("redis: list %s jobs of %s: %w", state, k.name, err)
	}
	const group = 16 // id, key and the 14 fields of jobFields
	if len(res)%group != 0 {
		return nil, fmt.Errorf("redis: list jobs: page.lua returned %d values", len(res))
	}
	out := make([]entry, 0, len(res)/group)
	for i := 0; i < len(res); i += group {
		f := res[i+2 : i+group]
		r := codec.RecordOf(f)
		j, err := codec.Decode(res[i], k.name, r)
		out = append(out, entry{job: j, rec: r, corrupt: err != nil, at: cursor{State: state, Queue: k.name, ID: res[i], Key: res[i+1]}})
	}
	return out, nil
}

// PauseQueue stops every worker of every process from taking jobs of
// queue until ResumeQueue: dequeue.lua takes nothing while the queue's
// paused key exists. Enqueueing and promotion go on. Pausing a queue with
// no jobs yet registers it, so that it shows (paused) in Stats.
func (b *Backend) PauseQueue(ctx context.Context, queue string) error {
	return b.setPaused(ctx, queue, true)
}

// ResumeQueue lets workers take jobs of queue again and wakes a blocked
// worker at once (which wakes the next while jobs remain).
func (b *Backend) ResumeQueue(ctx context.Context, queue string) error {
	return b.setPaused(ctx, queue, false)
}

func (b *Backend) setPaused(ctx context.Context, queue string, paused bool) error {
	if err := jobs.ValidateQueueName(queue); err != nil {
		return err
	}
	k := b.queue(queue)
	if err := b.register(ctx, []group{{k: k}}); err != nil {
		return err
	}
	args := pauseArgs{head: head{k, b.clock.Now()}, pause: paused}
	if err := pauseScript.Run(ctx, b.client, k.keys, args.argv()...).Err(); err != nil {
		return fmt.Errorf("redis: pause or resume %s: %w", queue, err)
	}
	return nil
}

// RetryDeadLetters applies Job.Requeue to every dead-letter job matching
// q's Queue and Type, oldest first so that they keep their order, puts
// them at the back of their queues and reports how many. Quarantined jobs
// are requeued as RetryDeadLetter does; corrupt ones that cannot run
// again are left. See eachDeadLetter for batching.
func (b *Backend) RetryDeadLetters(ctx context.Context, q jobs.DeadLetterQuery) (int, error) {
	return b.eachDeadLetter(ctx, q, func(j jobs.Job, corrupt bool) (change, bool) {
		if corrupt {
			return change{}, false
		}
		c, err := b.requeue(j)
		return c, err == nil
	})
}

// PurgeDeadLetters deletes every dead-letter job matching q's Queue and
// Type (corrupt ones too when no type is asked for) and reports how many.
// Their unique keys are freed; their entries in History stay.
func (b *Backend) PurgeDeadLetters(ctx context.Context, q jobs.DeadLetterQuery) (int, error) {
	return b.eachDeadLetter(ctx, q, func(j jobs.Job, corrupt bool) (change, bool) {
		return change{job: j, state: stateDeleted}, true
	})
}

// eachDeadLetter walks the dead-letter zsets of the queues q selects, the
// oldest first, in windows of at most maintBatch jobs read by page.lua: it
// lets fn pick the change of each job of q's type and applies a window's
// changes with one move.lua call fenced on the state and attempt read, so
// no script runs long however many jobs there are. The next window starts
// after the last job of this one that stayed in place (found by ZRANK), so
// ties of score cost nothing and no job is read twice. It reports how many
// changes were applied.
func (b *Backend) eachDeadLetter(ctx context.Context, q jobs.DeadLetterQuery, fn func(j jobs.Job, corrupt bool) (change, bool)) (int, error) {
	names := []string{q.Queue}
	if q.Queue == "" {
		var err error
		if names, err = b.queues(ctx); err != nil {
			return 0, err
		}
	} else if jobs.ValidateQueueName(q.Queue) != nil {
		return 0, nil
	}
	total := 0
	for _, name := range names {
		k := b.queue(name)
		var after cursor
		for {
			window, err := b.page(ctx, k, jobs.StateFailed, maintBatch, after, true)
			if err != nil {
				return total, err
			}
			var changes []change
			var from []int // index in window of each change
			for i, e := range window {
				if q.Type != "" && e.job.Type != q.Type {
					continue
				}
				c, ok := fn(e.job, e.corrupt)
				if !ok {
					continue
				}
				c.expect, c.attempt = jobs.StateFailed, e.rec.A
				if e.corrupt {
					c.expect, c.attempt = "*", ""
				}
				changes = append(changes, c)
				from = append(from, i)
			}
			moved := make([]bool, len(window))
			n, err := b.applyDead(ctx, k, changes, func(i int) { moved[from[i]] = true })
			total += n
			if err != nil {
				return total, err
			}
			for i := len(window) - 1; i >= 0; i-- {
				if !moved[i] {
					after = window[i].at
					break
				}
			}
			if len(window) < maintBatch {
				break
			}
		}
	}
	return total, nil
}

// applyDead applies changes to dead letters of one queue in one move.lua
// call, drops deleted ones from the ID index, calls applied with the index
// of each change applied and reports how many were.
func (b *Backend) applyDead(ctx context.Context, k *queueKeys, changes []change, applied func(i int)) (int, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	codes, err := b.move(ctx, k, changes)
	if err != nil {
		return 0, fmt.Errorf("redis: update dead letters of %s: %w", k.name, err)
	}
	n := 0
	var gone []string
	for i, c := range codes {
		if c == 1 {
			n++
			applied(i)
			if changes[i].state == stateDeleted {
				gone = append(gone, changes[i].job.ID)
			}
		}
	}
	return n, b.unindex(ctx, k.name, gone)
}
