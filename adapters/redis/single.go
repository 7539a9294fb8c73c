package redis

import (
	"context"
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/plural"
)

// maxListBatch bounds the jobs of one enqueue_list.lua call, which passes
// their IDs to single commands with unpack (Lua's stack is bounded);
// larger batches go to enqueue.lua, which splits them.
const maxListBatch = 1000

// oneList reports whether enqueueList can store jobs: none goes in the ID
// index (see indexed), they share a queue, and they all go to one place of
// it: every one pending with the same priority, or every one scheduled;
// and they are at most maxListBatch.
// What single-job Enqueue calls ask for, alone or group-committed, passes
// unless its IDs were chosen by the callers.
func oneList(batch []jobs.Job) bool {
	if len(batch) == 0 || len(batch) > maxListBatch {
		return false
	}
	first := batch[0]
	for _, j := range batch {
		if indexed(j) || j.Queue != first.Queue || j.State != first.State ||
			(j.State == jobs.StatePending && j.Priority != first.Priority) {
			return false
		}
	}
	return true
}

// enqueueList stores jobs that oneList accepts and that were validated
// (ValidateNew) with enqueue_list.lua, in one script call that passes only
// what the jobs need: the short path of single-job Enqueue calls. Two jobs
// with the same ID fail with jobs.ErrDuplicateJob, as do IDs in use; an
// error that may hide a stored job is an unknown outcome, as for enqueue.
func (b *Backend) enqueueList(ctx context.Context, batch []jobs.Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := distinctIDs(batch); err != nil {
		return err
	}
	first := batch[0]
	k := b.queue(first.Queue)
	if err := b.registerQueue(ctx, k.name); err != nil {
		return err
	}
	// Every key the script touches is named in KEYS, so that Redis
	// Cluster routes the call while their slot migrates.
	keys := make([]string, 1, 2+len(batch))
	keys[0] = k.keys[keyScheduled]
	if first.State == jobs.StatePending {
		keys[0] = k.keys[keyP1+int(first.Priority)-1]
		keys = append(keys, k.keys[keyWake])
	}
	for _, j := range batch {
		keys = append(keys, k.job(j.ID))
	}
	args, err := listArgs{jobs: batch}.argv()
	if err != nil {
		return err
	}
	res, err := b.write(ctx, enqueueListScript, keys, args...).Result()
	if err != nil {
		err = fmt.Errorf("redis: enqueue %s into %s: %w", plural.Count(len(batch), "job", "jobs"), k.name, err)
		if mayHaveApplied(err) {
			return unknownOutcome(err, jobIDs(batch)...)
		}
		return err
	}
	if id, ok := res.(string); ok {
		return fmt.Errorf("%w: %s (enqueue into %s)", jobs.ErrDuplicateJob, id, k.name)
	}
	return nil
}

// dueWhenCreated reports whether j, a new job, may be stored without its
// execute-at (hash field x): it is pending and due when created, which the
// created time in its static JSON then tells exactly (what codec.Decode
// reads), and its ID was just generated and is stamped with that time to
// within a millisecond (what the dequeue script reads for the wait
// histogram). The stamp is off when the process's IDs got ahead of this
// job's clock (the clock stepped back, or another backend's runs ahead):
// x is then stored.
func dueWhenCreated(j *jobs.Job) bool {
	if !j.FreshID || j.State != jobs.StatePending || !j.ExecuteAt.Equal(j.CreatedAt) {
		return false
	}
	stamp, ok := jobs.GeneratedIDTime(j.ID)
	d := j.CreatedAt.Sub(stamp)
	return ok && d > -time.Millisecond && d < time.Millisecond
}

// priorities are the priorities as the scripts take them (field p).
var priorities = [...]string{jobs.PriorityLow: "1", jobs.PriorityNormal: "2", jobs.PriorityHigh: "3", jobs.PriorityCritical: "4"}

// enqueueFresh stores one job that dueWhenCreated accepts, validated
// (ValidateNew), with enqueue_one.lua: the path of a lone Enqueue call.
func (b *Backend) enqueueFresh(ctx context.Context, j *jobs.Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	k := b.queue(j.Queue)
	if err := b.registerQueue(ctx, k.name); err != nil {
		return err
	}
	args, err := oneArgs{job: j}.argv()
	if err != nil {
		return err
	}
	keys := []string{k.keys[keyP1+int(j.Priority)-1], k.keys[keyWake], k.job(j.ID)}
	if err := b.write(ctx, enqueueOneScript, keys, args...).Err(); err != nil {
		err = fmt.Errorf("redis: enqueue job %s into %s: %w", j.ID, k.name, err)
		if mayHaveApplied(err) {
			return unknownOutcome(err, j.ID)
		}
		return err
	}
	return nil
}

// distinctIDs fails with jobs.ErrDuplicateJob when two of jobs share
// an ID.
func distinctIDs(batch []jobs.Job) error {
	if len(batch) < 2 {
		return nil
	}
	seen := make(map[string]struct{}, len(batch))
	for _, j := range batch {
		if _, dup := seen[j.ID]; dup {
			return fmt.Errorf("%w: %s appears twice in one enqueue", jobs.ErrDuplicateJob, j.ID)
		}
		seen[j.ID] = struct{}{}
	}
	return nil
}
