package redis

import (
	"context"
	"fmt"
	"sort"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"

	goredis "github.com/redis/go-redis/v9"
)

// defaultDeadLetters is how many dead letters DeadLetters returns when the
// query sets no limit.
const defaultDeadLetters = 20

// DeadLetters lists failed jobs, the most recently failed first. It reads
// each selected queue's dead-letter zset from the newest end, in pages,
// until it has enough jobs of the wanted type, then merges the queues.
// Corrupt dead letters are listed with what could be read of them.
func (b *Backend) DeadLetters(ctx context.Context, q jobs.DeadLetterQuery) ([]jobs.Job, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultDeadLetters
	}
	names := []string{q.Queue}
	if q.Queue == "" {
		var err error
		if names, err = b.queues(ctx); err != nil {
			return nil, err
		}
	} else if jobs.ValidateQueueName(q.Queue) != nil {
		return nil, nil
	}
	var out []jobs.Job
	for _, name := range names {
		batch, err := b.deadLetters(ctx, b.queue(name), q.Type, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, batch...)
	}
	newestFirst(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// deadLetters returns up to limit dead letters of one queue, of jobType
// when it is not empty, the newest first.
func (b *Backend) deadLetters(ctx context.Context, k *queueKeys, jobType string, limit int) ([]jobs.Job, error) {
	page := int64(max(limit, 100))
	var out []jobs.Job
	for start := int64(0); len(out) < limit; start += page {
		ids, err := b.client.ZRevRange(ctx, k.keys[keyDead], start, start+page-1).Result()
		if err != nil {
			return nil, fmt.Errorf("redis: list dead letters of %s: read %s: %w", k.name, k.keys[keyDead], err)
		}
		batch, err := b.readJobs(ctx, k, ids)
		if err != nil {
			return nil, err
		}
		for _, j := range batch {
			if (jobType == "" || j.Type == jobType) && len(out) < limit {
				out = append(out, j)
			}
		}
		if int64(len(ids)) < page {
			break
		}
	}
	return out, nil
}

// readJobs reads jobs of one queue by ID in one round trip, skipping those
// that are gone; a corrupt job is returned with what could be read of it.
func (b *Backend) readJobs(ctx context.Context, k *queueKeys, ids []string) ([]jobs.Job, error) {
	cmds := make([]*goredis.SliceCmd, len(ids))
	_, _ = b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, k.job(id), codec.JobFields...)
		}
		return nil
	})
	out := make([]jobs.Job, 0, len(ids))
	for i, id := range ids {
		vals, err := cmds[i].Result()
		if err != nil {
			if isWrongType(err) {
				continue
			}
			return nil, fmt.Errorf("redis: read jobs of %s: %w", k.name, err)
		}
		r := codec.NewRecord(vals)
		if !r.Exists() {
			continue
		}
		j, _ := codec.Decode(id, k.name, r)
		out = append(out, j)
	}
	return out, nil
}

// History returns the most recently finished (completed or failed) jobs of
// jobType, newest first: up to limit, or all that are kept when limit < 1.
// Each queue keeps the last few of each type (WithHistoryLimit) as JSON
// snapshots; History merges the queues. A snapshot holds args and a result
// of up to 1 KiB each; larger ones are read from the job itself while it is
// kept (WithCompletedLimit, WithCompletedMaxAge, and the dead-letter caps),
// and are nil once it is gone.
func (b *Backend) History(ctx context.Context, jobType string, limit int) ([]jobs.Job, error) {
	names, err := b.queues(ctx)
	if err != nil {
		return nil, err
	}
	stop := int64(-1)
	if limit > 0 {
		stop = int64(limit - 1)
	}
	cmds := make([]*goredis.StringSliceCmd, len(names))
	_, err = b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, name := range names {
			cmds[i] = p.LRange(ctx, b.queue(name).history(jobType), 0, stop)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis: read history of %s: %w", jobType, err)
	}
	var entries []historyEntry
	for _, c := range cmds {
		entries = append(entries, decodeHistory(c.Val())...)
	}
	// Newest first, as newestFirst orders jobs.
	sort.SliceStable(entries, func(a, c int) bool { return entries[a].FinishedAt.After(entries[c].FinishedAt) })
	if limit > 0 && len(entries) > limit {
		entries = entries[:limit]
	}
	if err := b.restorePayloads(ctx, entries); err != nil {
		return nil, err
	}
	out := make([]jobs.Job, len(entries))
	for i, e := range entries {
		out[i] = e.Job
	}
	return out, nil
}

// newestFirst orders jobs by finish time, the most recent first; the sort
// is stable, so each queue's own order breaks ties.
func newestFirst(batch []jobs.Job) {
	sort.SliceStable(batch, func(a, c int) bool { return batch[a].FinishedAt.After(batch[c].FinishedAt) })
}
