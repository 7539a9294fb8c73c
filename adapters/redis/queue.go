package redis

import (
	"context"
	"errors"
	"fmt"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/plural"
)

// group is the jobs of one Enqueue call that go to one queue, encoded as
// the ARGV of enqueue.lua.
type group struct {
	k    *queueKeys
	jobs []jobs.Job
	args []any
}

// Enqueue stores new jobs, all or none. Each must be pending or scheduled
// with a valid ID, type, queue and priority; an ID in use in any queue (or
// given twice) fails with jobs.ErrDuplicateJob.
//
// Jobs of one queue are stored by one script. On a standalone server that
// script also claims the IDs in the ID index: one round trip. Jobs of
// several queues, and any enqueue on Redis Cluster, first claim all IDs
// in the index (one round trip, all or none) and then run one script per
// queue in one pipeline; should the server fail between the two, jobs
// whose script ran stay stored and the error says so.
//
// Until Preflight has passed, each call runs it first and fails with its
// error (ErrEvictionPolicy, or the server unreachable).
//
// Concurrent single-job calls into one queue (without a unique key) are
// coalesced: while one script call is in flight, the next ones wait and
// go together in the next, each still stored or refused on its own.
//
// On a full Redis (maxmemory reached, noeviction) nothing is stored and the
// error matches ErrOutOfMemory.
func (b *Backend) Enqueue(ctx context.Context, batch ...jobs.Job) error {
	if len(batch) == 1 {
		return b.EnqueueOne(ctx, batch[0])
	}
	if err := b.Preflight(ctx); err != nil {
		return err
	}
	return outOfMemory(b.enqueue(ctx, batch...))
}

// EnqueueOne is Enqueue of one job (jobs.SingleEnqueuer), which the
// runtime Client calls for a lone Enqueue.
func (b *Backend) EnqueueOne(ctx context.Context, job jobs.Job) error {
	if err := b.Preflight(ctx); err != nil {
		return err
	}
	if job.UniqueKey != "" {
		return outOfMemory(b.enqueue(ctx, job))
	}
	return outOfMemory(b.enqueueOne(ctx, job))
}

// enqueue is Enqueue without coalescing.
func (b *Backend) enqueue(ctx context.Context, batch ...jobs.Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(batch) == 0 {
		return nil
	}
	if oneList(batch) {
		for _, j := range batch {
			if err := j.ValidateNew(); err != nil {
				return err
			}
		}
		return b.enqueueList(ctx, batch)
	}
	groups, err := b.group(batch)
	if err != nil {
		return err
	}
	claimed := b.cluster || len(groups) > 1
	if claimed {
		if err := b.claim(ctx, batch); err != nil {
			// A claim whose answer was lost may hold the IDs: a retry
			// with them is refused until the claim is stale.
			return unknownOutcome(err, jobIDs(batch)...)
		}
	}
	if err := b.register(ctx, groups); err != nil {
		return b.unclaim(ctx, claimed, groups, err)
	}
	if len(groups) == 1 {
		g := groups[0]
		res, err := b.write(ctx, enqueueScript, g.k.keys, g.args...).Result()
		if err != nil {
			err = fmt.Errorf("redis: enqueue %s into %s: %w", plural.Count(len(g.jobs), "job", "jobs"), g.k.name, err)
			if mayHaveApplied(err) {
				// The IDs stay claimed: the jobs may be stored.
				return unknownOutcome(err, jobIDs(batch)...)
			}
			return b.unclaim(ctx, claimed, groups, err)
		}
		return refused(res, g)
	}
	cmds := make([]*goredis.Cmd, len(groups))
	if b.replicaAcks.n == 0 { // else each waits for the replicas of its own master
		_, _ = b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for i, g := range groups {
				cmds[i] = enqueueScript.EvalSha(ctx, p, g.k.keys, g.args...)
			}
			return nil
		})
	}
	res := make([]any, len(groups))
	errs := make([]error, len(groups))
	for i, g := range groups {
		if cmds[i] != nil {
			res[i], errs[i] = cmds[i].Result()
		}
		if cmds[i] == nil || isNoScript(errs[i]) || refusedUnrun(errs[i]) {
			res[i], errs[i] = b.write(ctx, enqueueScript, g.k.keys, g.args...).Result()
		}
		if mayHaveApplied(errs[i]) {
			// Some jobs may be stored and others not: nothing is
			// withdrawn nor released, so that retrying each job with
			// its ID stores it once.
			return unknownOutcome(fmt.Errorf("redis: enqueue into %s: %w", plural.Count(len(groups), "queue", "queues"), errs[i]), jobIDs(batch)...)
		}
	}
	var failed []error
	var stored []group
	for i, g := range groups {
		err := errs[i]
		if err == nil {
			err = refused(res[i], g)
		}
		if err != nil {
			failed = append(failed, err)
			b.release(ctx, g)
		} else {
			stored = append(stored, g)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	err = fmt.Errorf("redis: enqueue into %s: %w", plural.Count(len(groups), "queue", "queues"), errors.Join(failed...))
	if len(stored) > 0 && b.withdraw(ctx, stored) != nil {
		err = fmt.Errorf("%w (the jobs of %s were stored and could not all be withdrawn)", err, plural.Count(len(stored), "other queue", "other queues"))
	}
	return err
}

// group validates jobs and sorts them by queue, in order. Unique keys are
// checked and taken by enqueue.lua when the jobs go to one queue of a
// standalone server; otherwise claim.lua claims them with the IDs.
func (b *Backend) group(batch []jobs.Job) ([]group, error) {
	seen := make(map[string]struct{}, len(batch))
	index := make(map[string]int)
	var groups []group
	at := make([]int, len(batch)) // the group of each job
	for n, j := range batch {
		if err := j.ValidateNew(); err != nil {
			return nil, err
		}
		if _, dup := seen[j.ID]; dup {
			return nil, fmt.Errorf("%w: %s appears twice in one enqueue", jobs.ErrDuplicateJob, j.ID)
		}
		seen[j.ID] = struct{}{}
		i, ok := index[j.Queue]
		if !ok {
			i = len(groups)
			index[j.Queue] = i
			groups = append(groups, group{k: b.queue(j.Queue)})
		}
		at[n] = i
	}
	if len(groups) == 1 {
		groups[0].jobs = batch
	} else {
		for n, j := range batch {
			groups[at[n]].jobs = append(groups[at[n]].jobs, j)
		}
	}
	if err := uniqueInBatch(batch); err != nil {
		return nil, err
	}
	claimed := b.cluster || len(groups) > 1
	now := b.clock.Now()
	for i := range groups {
		g := &groups[i]
		args := enqueueArgs{head: head{g.k, now}, prefix: b.prefix, jobs: g.jobs}
		if !claimed {
			args.unique = b.uniqueKeys()
		}
		var err error
		if g.args, err = args.argv(); err != nil {
			return nil, err
		}
	}
	return groups, nil
}

// refused turns enqueue.lua's reply for g into an error: nil when the
// jobs were stored.
func refused(res any, g group) error {
	switch v := res.(type) {
	case string:
		return fmt.Errorf("%w: %s (enqueue into %s)", jobs.ErrDuplicateJob, v, g.k.name)
	case []any:
		if len(v) == 2 {
			i, _ := v[0].(int64)
			holder, _ := v[1].(string)
			if i >= 1 && int(i) <= len(g.jobs) {
				return &jobs.UniqueJobExistsError{Key: g.jobs[i-1].UniqueKey, ExistingJobID: holder}
			}
		}
		return fmt.Errorf("redis: enqueue into %s: unexpected reply %v", g.k.name, v)
	}
	return nil
}

// register adds the groups' queues to the set of queues, once per process.
func (b *Backend) register(ctx context.Context, groups []group) error {
	for _, g := range groups {
		if err := b.registerQueue(ctx, g.k.name); err != nil {
			return err
		}
	}
	return nil
}

// registerQueue adds queue to the set of queues, once per process.
func (b *Backend) registerQueue(ctx context.Context, queue string) error {
	if _, ok := b.known.Load(queue); ok {
		return nil
	}
	if err := b.client.SAdd(ctx, b.queuesKey, queue).Err(); err != nil {
		return fmt.Errorf("redis: register queue %s: %w", queue, err)
	}
	b.known.Store(queue, true)
	return nil
}

// unclaim releases the IDs claimed for groups (when claimed) and returns err.
func (b *Backend) unclaim(ctx context.Context, claimed bool, groups []group, err error) error {
	if claimed {
		for _, g := range groups {
			b.release(ctx, g)
		}
	}
	return err
}

// release drops g's IDs from the ID index and frees the unique keys its
// jobs claimed, best effort: a left-over index entry names no job and is
// replaced by the next claim of its ID, and a left-over unique key names
// an inactive job and is replaced by the next claim of the key.
func (b *Backend) release(ctx context.Context, g group) {
	var ids []string
	var ops []uniqueOp
	for _, j := range g.jobs {
		if indexed(j) {
			ids = append(ids, j.ID)
		}
		if j.UniqueKey != "" {
			ops = append(ops, uniqueOp{job: j, op: "free"})
		}
	}
	_ = b.unindex(ctx, g.k.name, ids)
	_ = b.applyUnique(ctx, ops)
}

// unindex drops ids from the ID index while they name queue.
func (b *Backend) unindex(ctx context.Context, queue string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := releaseArgs{queue: queue, ids: ids}
	if err := releaseScript.Run(ctx, b.client, []string{b.indexKey}, args.argv()...).Err(); err != nil {
		return fmt.Errorf("redis: release job IDs of %s: %w", queue, err)
	}
	return nil
}

// withdraw deletes the jobs of groups that were stored by a multi-queue
// Enqueue that failed elsewhere, unless a worker took them already.
func (b *Backend) withdraw(ctx context.Context, groups []group) error {
	var errs []error
	for _, g := range groups {
		changes := make([]change, len(g.jobs))
		for i, j := range g.jobs {
			changes[i] = change{job: j, expect: j.State, attempt: "0", state: stateDeleted}
		}
		codes, err := b.move(ctx, g.k, changes)
		if err == nil {
			for i, c := range codes {
				if c != 1 {
					err = fmt.Errorf("job %s was taken by a worker", g.jobs[i].ID)
				}
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
		b.release(ctx, g)
	}
	return errors.Join(errs...)
}

// Size is the number of pending jobs in queue.
func (b *Backend) Size(ctx context.Context, queue string) (int, error) {
	if err := jobs.ValidateQueueName(queue); err != nil {
		return 0, err
	}
	k := b.queue(queue)
	cmds := make([]*goredis.IntCmd, 4)
	_, err := b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i := range cmds {
			cmds[i] = p.LLen(ctx, k.keys[i])
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis: size of %s: %w", queue, err)
	}
	n := 0
	for _, c := range cmds {
		n += int(c.Val())
	}
	return n, nil
}
