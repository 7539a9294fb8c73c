package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// TestWrongTypeKeyUnderWorkers overwrites a structure key of a queue
// with a string while a pool drains it, then repairs the queue: no worker
// is told its lease was lost (nothing was half-applied), and after the
// repair every job completes.
func TestWrongTypeKeyUnderWorkers(t *testing.T) {
	const list = 200
	ctx := context.Background()
	for _, name := range []string{"stats", "done", "lease", "p2"} {
		t.Run(name, func(t *testing.T) {
			b := newTestBackend(t, nil)
			var mu sync.Mutex
			runs := make(map[string]int)
			var batch []jobs.Job
			for i := range list {
				batch = append(batch, job(t, runtime.SystemClock{}, fmt.Sprintf("w%03d", i), jobs.DefaultQueue))
			}
			must(t, b.Enqueue(ctx, batch...))
			logs := &logRecorder{}
			reg := runtime.NewRegistry()
			must(t, reg.Register("test.job", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
				time.Sleep(2 * time.Millisecond)
				mu.Lock()
				runs[j.ID]++
				mu.Unlock()
				return nil, nil
			}))
			p, err := runtime.NewPool(b, reg, runtime.PoolConfig{
				Queues: map[string]int{jobs.DefaultQueue: 4}, Lease: 2 * time.Second, SchedulerInterval: 100 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(logs, nil)),
			})
			must(t, err)
			must(t, p.Start(ctx))
			defer func() { _ = p.Shutdown(ctx) }()
			ran := func() int {
				mu.Lock()
				defer mu.Unlock()
				return len(runs)
			}
			for ran() < list/4 {
				time.Sleep(5 * time.Millisecond)
			}
			must(t, b.client.Set(ctx, b.queue(jobs.DefaultQueue).base+name, "garbage", 0).Err())
			time.Sleep(500 * time.Millisecond)
			report, err := b.Repair(ctx, jobs.DefaultQueue, true)
			must(t, err)
			deadline := time.Now().Add(20 * time.Second)
			for !allCompleted(t, b, batch) {
				if time.Now().After(deadline) {
					t.Fatalf("jobs not all completed 20 s after the repair (%d ran); repair: %+v", ran(), report)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if n := strings.Count(logs.String(), "lease of job"); n > 0 {
				t.Errorf("%d workers were told their job's lease was lost:\n%s", n, logs.String())
			}
			mu.Lock()
			twice := 0
			for _, n := range runs {
				if n > 1 {
					twice++
				}
			}
			mu.Unlock()
			t.Logf("%s: %d problems repaired, %d of %d jobs ran twice (their outcome could not be stored)", name, len(report.Problems), twice, list)
		})
	}
}

// allCompleted reports whether every job of batch is completed.
func allCompleted(t *testing.T, b *Backend, batch []jobs.Job) bool {
	t.Helper()
	for _, j := range batch {
		stored, err := b.Job(context.Background(), j.ID)
		must(t, err)
		if stored.State != jobs.StateCompleted {
			return false
		}
	}
	return true
}
