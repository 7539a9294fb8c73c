package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"
)

// Stats returns overall and per-queue figures and the live workers. Gauges
// are the sizes of each queue's structures; counters are kept per queue by
// the scripts and summed here.
func (b *Backend) Stats(ctx context.Context) (jobs.Stats, error) {
	names, err := b.queues(ctx)
	if err != nil {
		return jobs.Stats{}, err
	}
	type queueCmds struct {
		sizes  []*goredis.IntCmd // p1-p4, sched, retry, lease, dead
		stats  *goredis.MapStringStringCmd
		paused *goredis.IntCmd
	}
	cmds := make([]queueCmds, len(names))
	var reports *goredis.MapStringStringCmd
	sent, err := b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, name := range names {
			k := b.queue(name)
			for j := range 4 {
				cmds[i].sizes = append(cmds[i].sizes, p.LLen(ctx, k.keys[j]))
			}
			for _, j := range []int{keyScheduled, keyRetrying, keyLease, keyDead} {
				cmds[i].sizes = append(cmds[i].sizes, p.ZCard(ctx, k.keys[j]))
			}
			cmds[i].stats = p.HGetAll(ctx, k.keys[keyStats])
			cmds[i].paused = p.Exists(ctx, k.keys[keyPaused])
		}
		reports = p.HGetAll(ctx, b.workersKey)
		return nil
	})
	if err != nil {
		return jobs.Stats{}, fmt.Errorf("redis: read stats: %w", keyed(sent, err))
	}
	var st jobs.Stats
	var timed, dur int64
	for i, name := range names {
		s := cmds[i].sizes
		c := cmds[i].stats.Val()
		q := jobs.QueueStats{
			Name:        name,
			Paused:      cmds[i].paused.Val() > 0,
			Pending:     s[0].Val() + s[1].Val() + s[2].Val() + s[3].Val(),
			Scheduled:   s[4].Val(),
			Retrying:    s[5].Val(),
			Running:     s[6].Val(),
			DeadLetters: s[7].Val(),
			Processed:   counter(c, "processed"),
			Succeeded:   counter(c, "succeeded"),
			Failed:      counter(c, "failed"),
		}
		if n := counter(c, "timed"); n > 0 {
			q.AvgDuration = time.Duration(counter(c, "dur_ns") / n)
			timed += n
			dur += counter(c, "dur_ns")
		}
		st.Processed += q.Processed
		st.Succeeded += q.Succeeded
		st.Failed += q.Failed
		st.DeadLetters += q.DeadLetters
		st.Queues = append(st.Queues, q)
	}
	if timed > 0 {
		st.AvgDuration = time.Duration(dur / timed)
	}
	st.Workers = b.liveWorkers(ctx, reports.Val())
	return st, nil
}

// counter reads one counter of a stats hash.
func counter(m map[string]string, name string) int64 {
	n, _ := strconv.ParseInt(m[name], 10, 64)
	return n
}

// report is what ReportWorkers stores for one process.
type report struct {
	Expires int64             `json:"expires"` // unix nanoseconds, by the backend's clock
	Workers []jobs.WorkerInfo `json:"workers"`
}

// liveWorkers decodes the reports that have not expired, sorted by worker
// ID, and forgets expired ones.
func (b *Backend) liveWorkers(ctx context.Context, reports map[string]string) []jobs.WorkerInfo {
	now := b.clock.Now().UnixNano()
	var out []jobs.WorkerInfo
	for process, raw := range reports {
		var r report
		if err := json.Unmarshal([]byte(raw), &r); err != nil || now >= r.Expires {
			_ = unreportScript.Run(ctx, b.client, []string{b.workersKey}, reportArgs{process: process, report: raw}.argv()...).Err()
			continue
		}
		out = append(out, r.Workers...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ReportWorkers replaces what is known of processID's workers. The report
// expires ttl after now by the backend's clock.
func (b *Backend) ReportWorkers(ctx context.Context, processID string, workers []jobs.WorkerInfo, ttl time.Duration) error {
	raw, err := json.Marshal(report{Expires: b.clock.Now().Add(ttl).UnixNano(), Workers: workers})
	if err != nil {
		return fmt.Errorf("redis: encode workers of %s: %w", processID, err)
	}
	if err := reportScript.Run(ctx, b.client, []string{b.workersKey}, reportArgs{process: processID, report: string(raw)}.argv()...).Err(); err != nil {
		return fmt.Errorf("redis: report workers of %s: %w", processID, err)
	}
	return nil
}

// RemoveWorkers forgets processID's workers.
func (b *Backend) RemoveWorkers(ctx context.Context, processID string) error {
	if err := b.client.HDel(ctx, b.workersKey, processID).Err(); err != nil {
		return fmt.Errorf("redis: remove workers of %s: %w", processID, err)
	}
	return nil
}
