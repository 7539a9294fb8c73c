package redis

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jobsgo/jobs/internal/plural"
	"github.com/jobsgo/jobs/runtime"
)

// oneList reports whether enqueueList can store jobs: none goes in the ID
// index (see indexed), they share a queue, and they all go to one place of
// it: every one pending with the same priority, or every one scheduled.
// What single-job Enqueue calls ask for, alone or group-committed, passes
// unless its IDs were chosen by the callers.
func oneList(jobs []runtime.Job) bool {
	if len(jobs) == 0 {
		return false
	}
	first := jobs[0]
	for _, j := range jobs {
		if indexed(j) || j.Queue != first.Queue || j.State != first.State ||
			(j.State == runtime.StatePending && j.Priority != first.Priority) {
			return false
		}
	}
	return true
}

// enqueueList stores jobs that oneList accepts and that were validated
// (ValidateNew) with enqueue_list.lua, in one script call that passes only
// what the jobs need: the short path of single-job Enqueue calls. Two jobs
// with the same ID fail with runtime.ErrDuplicateJob, as do IDs in use; an
// error that may hide a stored job is an unknown outcome, as for enqueue.
func (b *Backend) enqueueList(ctx context.Context, jobs []runtime.Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := distinctIDs(jobs); err != nil {
		return err
	}
	first := jobs[0]
	k := b.queue(first.Queue)
	if err := b.registerQueue(ctx, k.name); err != nil {
		return err
	}
	to := k.keys[keyScheduled]
	per := 5
	if first.State == runtime.StatePending {
		to, per = k.keys[first.Priority-1], 4
	}
	args := make([]any, 2, 2+per*len(jobs))
	args[0], args[1] = k.base, string(first.State)
	for _, j := range jobs {
		d, err := encodeStatic(j)
		if err != nil {
			return err
		}
		args = append(args, j.ID, d, strconv.Itoa(int(j.Priority)), nanos(j.ExecuteAt))
		if per == 5 {
			args = append(args, micros(j.ExecuteAt))
		}
	}
	res, err := enqueueListScript.Run(ctx, b.client, []string{to}, args...).Result()
	if err != nil {
		err = fmt.Errorf("redis: enqueue %s into %s: %w", plural.Count(len(jobs), "job", "jobs"), k.name, err)
		if mayHaveApplied(err) {
			return unknownOutcome(err, jobIDs(jobs)...)
		}
		return err
	}
	if id, ok := res.(string); ok {
		return fmt.Errorf("%w: %s (enqueue into %s)", runtime.ErrDuplicateJob, id, k.name)
	}
	return nil
}

// distinctIDs fails with runtime.ErrDuplicateJob when two of jobs share
// an ID.
func distinctIDs(jobs []runtime.Job) error {
	if len(jobs) < 2 {
		return nil
	}
	seen := make(map[string]struct{}, len(jobs))
	for _, j := range jobs {
		if _, dup := seen[j.ID]; dup {
			return fmt.Errorf("%w: %s appears twice in one enqueue", runtime.ErrDuplicateJob, j.ID)
		}
		seen[j.ID] = struct{}{}
	}
	return nil
}
