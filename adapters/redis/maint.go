package redis

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"

	goredis "github.com/redis/go-redis/v9"
)

// maintBatch is how many jobs one housekeeping script call handles.
const maintBatch = 500

// queues returns the names of every queue that was ever enqueued into,
// sorted.
func (b *Backend) queues(ctx context.Context) ([]string, error) {
	names, err := b.client.SMembers(ctx, b.queuesKey).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: list queues: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// PromoteDue moves scheduled and retrying jobs whose execute-at time has
// come to the back of their queues, earliest first, and reports how many it
// moved. It also trims each queue's dead letters and completed and
// cancelled jobs by count and age and, on Redis Cluster,
// drops trimmed jobs from the ID index. Any number of processes may run it.
func (b *Backend) PromoteDue(ctx context.Context) (int, error) {
	if err := b.clockReady(ctx); err != nil {
		return 0, fmt.Errorf("redis: promote due jobs: %w", err)
	}
	return b.eachQueue(ctx, func(k *queueKeys) (int, bool, error) {
		args := promoteArgs{head: head{k, b.clock.Now()}, limit: maintBatch, retention: b.retention}
		n, err := promoteScript.Run(ctx, b.client, k.keys, args.argv()...).Int()
		switch {
		case err != nil:
			return 0, false, fmt.Errorf("redis: promote due jobs of %s: %w", k.name, err)
		case n >= maintBatch:
			return n, true, nil
		case b.cluster:
			return n, false, b.dropGone(ctx, k)
		}
		return n, false, nil
	})
}

// eachQueue runs batch on every queue, again while it reports more work
// in that queue, and adds up the jobs it moved. It stops at the first
// error.
func (b *Backend) eachQueue(ctx context.Context, batch func(k *queueKeys) (moved int, more bool, err error)) (int, error) {
	names, err := b.queues(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, q := range names {
		k := b.queue(q)
		for more := true; more; {
			var n int
			n, more, err = batch(k)
			total += n
			if err != nil {
				return total, err
			}
		}
	}
	return total, nil
}

// dropGone removes the IDs of trimmed jobs of k's queue from the ID index.
// An ID popped but not dropped (the process died in between) leaves an
// index entry naming no job, which the next claim of the ID replaces.
func (b *Backend) dropGone(ctx context.Context, k *queueKeys) error {
	for {
		// Popped once: a pop sent again after a lost reply (a cluster
		// client does that) drops a batch of IDs unseen.
		pop := goredis.NewStringSliceCmd(ctx, "lpop", k.keys[keyGone], maintBatch)
		_ = b.client.Process(ctx, onceCmder{pop})
		ids, err := pop.Result()
		if errors.Is(err, goredis.Nil) || (err == nil && len(ids) == 0) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("redis: read trimmed jobs of %s: %w", k.name, err)
		}
		if err := b.unindex(ctx, k.name, ids); err != nil {
			return err
		}
		if len(ids) < maintBatch {
			return nil
		}
	}
}

// RecoverExpired applies Job.ExpireLease to running jobs whose lease
// deadline has passed: back to the end of their queue, or to the
// dead-letter queue when out of retries. The attempt counts against the
// job's retries only when it ran alone (Isolate); otherwise it is refunded.
// Each is a failed attempt of unknown duration in the figures. Leased jobs whose data is corrupt go to the dead-letter
// queue as corrupt_job.
//
// It reads the expired jobs, computes their next state in Go and stores it
// with move.lua fenced on state, attempt and lease deadline, so that of
// several processes recovering at once (or a worker extending its lease
// meanwhile) exactly one change wins.
func (b *Backend) RecoverExpired(ctx context.Context) (int, error) {
	if err := b.clockReady(ctx); err != nil {
		return 0, fmt.Errorf("redis: recover expired leases: %w", err)
	}
	return b.eachQueue(ctx, func(k *queueKeys) (int, bool, error) {
		n, full, err := b.recoverBatch(ctx, k)
		if err != nil {
			return n, false, fmt.Errorf("redis: recover expired leases of %s: %w", k.name, err)
		}
		return n, full, nil
	})
}

// recoverBatch recovers up to maintBatch expired leases of one queue. full
// reports that there may be more.
func (b *Backend) recoverBatch(ctx context.Context, k *queueKeys) (moved int, full bool, err error) {
	now := b.clock.Now()
	ids, err := b.client.ZRangeByScore(ctx, k.keys[keyLease], &goredis.ZRangeBy{
		Min: "-inf", Max: micros(now), Count: maintBatch,
	}).Result()
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %w", k.keys[keyLease], err)
	}
	if len(ids) == 0 {
		return 0, false, nil
	}
	cmds := make([]*goredis.SliceCmd, len(ids))
	_, _ = b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, k.job(id), codec.JobFields...)
		}
		return nil
	})
	var changes []change
	var corrupt []buried
	for i, id := range ids {
		vals, err := cmds[i].Result()
		if err != nil && !isWrongType(err) {
			return 0, false, err
		}
		r := codec.NewRecord(vals)
		if err != nil {
			corrupt = append(corrupt, buried{id: id, why: "the key holds something other than a job hash"})
			continue
		}
		job, err := codec.Decode(id, k.name, r)
		if err != nil {
			why, fields := codec.Reason(err)
			corrupt = append(corrupt, buried{id: id, attempt: r.A, jobType: job.Type, why: why, fields: fields})
			continue
		}
		if job.State != jobs.StateRunning || !job.LeaseUntil.Before(now) {
			continue
		}
		next, err := job.ExpireLease(now)
		if err != nil {
			return 0, false, err
		}
		changes = append(changes, change{
			job: next, expect: jobs.StateRunning, attempt: r.A, lease: r.L, state: next.State,
			history: next.State == jobs.StateFailed, outcome: "fail",
		})
	}
	if len(corrupt) > 0 {
		n, err := b.bury(ctx, k, now, corrupt)
		if err != nil {
			return 0, false, err
		}
		moved += n
	}
	if len(changes) > 0 {
		codes, err := b.move(ctx, k, changes)
		if err != nil {
			return moved, false, err
		}
		for _, c := range codes {
			if c == 1 {
				moved++
			}
		}
	}
	return moved, len(ids) == maintBatch && moved > 0, nil
}
