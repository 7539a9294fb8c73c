package redis

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// runLedger records the start of every handler run, by job ID.
type runLedger struct {
	mu   sync.Mutex
	runs map[string][]time.Time
}

func (l *runLedger) record(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs[id] = append(l.runs[id], time.Now())
}

func (l *runLedger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.runs {
		n += len(r)
	}
	return n
}

// TestPoolRunsJobsLeasedDuringAFreezeOnce runs a pool (2 workers, 600 ms
// leases, a 20 ms scheduler) on a private redis-server and freezes the
// server for 1.5 s while the workers finish their jobs: their
// AckDequeues (and the heartbeat's ExtendLeases) wait on the frozen
// server and lease the next jobs when it thaws. Every job must complete,
// and a job first started after the freeze began must run exactly once:
// only a job whose lease ran out during the freeze may run again.
func TestPoolRunsJobsLeasedDuringAFreezeOnce(t *testing.T) {
	const batch, work, freeze = 12, 300 * time.Millisecond, 1500 * time.Millisecond
	b, s := startFreezable(t)
	ledger := &runLedger{runs: make(map[string][]time.Time)}
	reg := runtime.NewRegistry()
	must(t, reg.Register("lease.delay", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		ledger.record(j.ID)
		select {
		case <-time.After(work):
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}))
	pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{
		Queues:            map[string]int{jobs.DefaultQueue: 2},
		Lease:             600 * time.Millisecond,
		SchedulerInterval: 20 * time.Millisecond,
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	must(t, err)
	ctx := context.Background()
	ids := make([]string, batch)
	for i := range ids {
		j, err := jobs.NewJob("lease.delay", []byte(`{}`), jobs.EnqueueOptions{}, b.Clock().Now())
		must(t, err)
		must(t, b.Enqueue(ctx, j))
		ids[i] = j.ID
	}
	must(t, pool.Start(ctx))
	t.Cleanup(func() { _ = pool.Shutdown(context.Background()) })
	for deadline := time.Now().Add(5 * time.Second); ledger.count() < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the pool started no job within 5 s")
		}
	}
	frozenAt := time.Now()
	s.freeze(t)
	time.Sleep(freeze)
	s.thaw()

	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		done := 0
		for _, id := range ids {
			j, err := b.Job(ctx, id)
			must(t, err)
			if j.State == jobs.StateCompleted {
				done++
			}
		}
		if done == batch {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d jobs completed within 30 s of the thaw", done, batch)
		}
	}
	must(t, pool.Shutdown(ctx))
	ledger.mu.Lock()
	defer ledger.mu.Unlock()
	after := 0
	for _, id := range ids {
		runs := ledger.runs[id]
		if len(runs) == 0 {
			t.Errorf("job %s completed without a run in the ledger", id)
			continue
		}
		if runs[0].After(frozenAt) {
			after++
			if len(runs) > 1 {
				t.Errorf("job %s, first started %s after the freeze began, ran %d times: its lease was taken back while its worker ran it", id, runs[0].Sub(frozenAt).Round(time.Millisecond), len(runs))
			}
		}
	}
	if after == 0 {
		t.Error("no job started after the freeze began: the test did not lease a job through the frozen server")
	}
}
