package redis

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"

	goredis "github.com/redis/go-redis/v9"
)

// keyKinds is the Redis type of each of a queue's keys (queueKeys.keys),
// as lib.lua's KINDS has it; "" for the paused flag, which may hold
// anything.
var keyKinds = []string{"list", "list", "list", "list", "zset", "zset", "zset", "zset", "zset", "zset", "hash", "list", "zset", "", "hash"}

// repairBatch is how many jobs one repair.lua call checks.
const repairBatch = 200

var repairScript = queueScript(repairLayout, "lib_jobs.lua", "repair.lua")

var _ jobs.Repairer = (*Backend)(nil)

// Repair checks the keys of queue and where its jobs are, and with fix
// puts them right; workers may run meanwhile (see jobs.Repairer).
//
// A structure key of another type (which makes every script of the queue
// fail, see check_keys in lua/lib.lua) is reported and, with fix, renamed
// to "<key>:corrupt:<unix seconds>": the queue's counters start again from
// zero when it was the stats hash, and the jobs it listed come back
// through the job check. The ID index is shared by every queue: when it
// is of another type, Repair reports it and leaves it to the operator.
//
// The job check reads a snapshot of the queue's lists and zsets in one
// transaction and every job hash of the queue (SCAN), then lets
// repair.lua look again, atomically, at each job that seems out of place
// and at each ID that names no job: see that script for what it fixes.
// It holds the IDs of the whole queue in memory.
func (b *Backend) Repair(ctx context.Context, queue string, fix bool) (jobs.RepairReport, error) {
	report := jobs.RepairReport{Queue: queue, Fixed: fix, Problems: []jobs.RepairProblem{}}
	if err := jobs.ValidateQueueName(queue); err != nil {
		return report, err
	}
	k := b.queue(queue)
	if err := b.repairKeys(ctx, k, fix, &report); err != nil {
		return report, err
	}
	places, err := b.places(ctx, k)
	if err != nil {
		return report, err
	}
	suspects, checked, err := b.suspects(ctx, k, places)
	if err != nil {
		return report, err
	}
	report.Checked = checked
	for len(suspects) > 0 {
		n := min(len(suspects), repairBatch)
		args := repairArgs{head: head{k, b.clock.Now()}, fix: fix, ids: suspects[:n]}
		res, err := repairScript.Run(ctx, b.client, k.keys, args.argv()...).StringSlice()
		if err != nil {
			return report, fmt.Errorf("redis: repair %s: %w", queue, err)
		}
		for i := 0; i+2 < len(res); i += 3 {
			report.Problems = append(report.Problems, jobs.RepairProblem{
				Kind: jobs.RepairKind(res[i+1]), Key: k.job(res[i]), JobID: res[i], Detail: res[i+2],
			})
		}
		suspects = suspects[n:]
	}
	return report, nil
}

// repairKeys reports the keys of k of another type than theirs and, with
// fix, renames the queue's own aside.
func (b *Backend) repairKeys(ctx context.Context, k *queueKeys, fix bool, report *jobs.RepairReport) error {
	cmds := make([]*goredis.StatusCmd, len(k.keys))
	_, err := b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, key := range k.keys {
			cmds[i] = p.Type(ctx, key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: repair %s: read key types: %w", k.name, err)
	}
	stamp := strconv.FormatInt(b.clock.Now().Unix(), 10)
	for i, key := range k.keys {
		kind := cmds[i].Val()
		if kind == "none" || keyKinds[i] == "" || kind == keyKinds[i] {
			continue
		}
		p := jobs.RepairProblem{Kind: jobs.RepairWrongType, Key: key,
			Detail: fmt.Sprintf("holds a %s, not a %s: every script of the queue fails", kind, keyKinds[i])}
		switch {
		case key == b.indexKey:
			p.Detail += "; it is the ID index of every queue: move it aside by hand (RENAME), then repair each queue"
		case fix:
			aside := key + ":corrupt:" + stamp
			if err := b.client.Rename(ctx, key, aside).Err(); err != nil {
				return fmt.Errorf("redis: repair %s: move %s aside: %w", k.name, key, err)
			}
			p.Detail += "; moved aside to " + aside
			if i == keyStats {
				p.Detail += " (the queue's counters start again from zero)"
			}
		default:
			p.Detail += "; a fix moves it aside, and puts back the jobs it listed"
		}
		report.Problems = append(report.Problems, p)
	}
	return nil
}

// places reads where k's lists and zsets put each job, in one
// transaction: job ID -> indexes in k.keys. Keys of another type count
// as empty.
func (b *Backend) places(ctx context.Context, k *queueKeys) (map[string][]int, error) {
	where := []int{0, 1, 2, 3, keyScheduled, keyRetrying, keyLease, keyDead, keyDone, keyCancelled}
	cmds := make([]*goredis.StringSliceCmd, len(where))
	_, _ = b.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		for i, at := range where {
			if at < 4 {
				cmds[i] = p.LRange(ctx, k.keys[at], 0, -1)
			} else {
				cmds[i] = p.ZRange(ctx, k.keys[at], 0, -1)
			}
		}
		return nil
	})
	places := make(map[string][]int)
	for i, c := range cmds {
		ids, err := c.Result()
		if err != nil && !isWrongType(err) {
			return nil, fmt.Errorf("redis: repair %s: read %s: %w", k.name, k.keys[where[i]], err)
		}
		for _, id := range ids {
			places[id] = append(places[id], where[i])
		}
	}
	return places, nil
}

// suspects returns the IDs of k's jobs that places does not put exactly
// where their state says (or that cannot be read), then the IDs places
// has that name no job, and how many job hashes it read. Pending and
// scheduled suspects come in execute-at order, so that orphans put back
// keep their turn.
func (b *Backend) suspects(ctx context.Context, k *queueKeys, places map[string][]int) ([]string, int, error) {
	type job struct {
		id string
		x  int64
	}
	var odd []job
	seen := make(map[string]bool)
	glob := globEscape(k.base + "j:")
	iter := b.client.Scan(ctx, 0, glob+"*", 1000).Iterator()
	var batch []string
	check := func() error {
		cmds := make([]*goredis.SliceCmd, len(batch))
		_, _ = b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for i, key := range batch {
				cmds[i] = p.HMGet(ctx, key, "s", "p", "x")
			}
			return nil
		})
		for i, key := range batch {
			id := strings.TrimPrefix(key, k.base+"j:")
			seen[id] = true
			vals, err := cmds[i].Result()
			if err != nil && !isWrongType(err) {
				return fmt.Errorf("redis: repair %s: read job %s: %w", k.name, id, err)
			}
			var r codec.Record // the fields s, p and x only
			if len(vals) == 3 {
				r.S, _ = vals[0].(string)
				r.P, _ = vals[1].(string)
				r.X, _ = vals[2].(string)
			}
			x, _ := strconv.ParseInt(r.X, 10, 64)
			if err != nil || !inPlace(r, places[id]) {
				odd = append(odd, job{id, x})
			}
		}
		batch = batch[:0]
		return nil
	}
	checked := 0
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		checked++
		if len(batch) == 1000 {
			if err := check(); err != nil {
				return nil, 0, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return nil, 0, fmt.Errorf("redis: repair %s: list jobs: %w", k.name, err)
	}
	if err := check(); err != nil {
		return nil, 0, err
	}
	sort.SliceStable(odd, func(a, c int) bool { return odd[a].x < odd[c].x })
	out := make([]string, 0, len(odd))
	for _, j := range odd {
		out = append(out, j.id)
	}
	var dangling []string
	for id := range places {
		if !seen[id] {
			dangling = append(dangling, id)
		}
	}
	sort.Strings(dangling)
	return append(out, dangling...), checked, nil
}

// inPlace reports whether the job hash fields r (s and p) put it in
// exactly the structures at, as indexes in queueKeys.keys.
func inPlace(r codec.Record, at []int) bool {
	if len(at) != 1 {
		return false
	}
	switch jobs.State(r.S) {
	case jobs.StatePending:
		p, err := strconv.Atoi(r.P)
		return err == nil && p >= 1 && p <= 4 && at[0] == p-1
	case jobs.StateScheduled:
		return at[0] == keyScheduled
	case jobs.StateRetrying:
		return at[0] == keyRetrying
	case jobs.StateRunning:
		return at[0] == keyLease
	case jobs.StateFailed:
		return at[0] == keyDead
	case jobs.StateCompleted:
		return at[0] == keyDone
	case jobs.StateCancelled:
		return at[0] == keyCancelled
	}
	return false
}

// globEscape escapes the characters that SCAN MATCH patterns give a
// meaning to.
func globEscape(s string) string {
	var sb strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\`, c) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(c)
	}
	return sb.String()
}
