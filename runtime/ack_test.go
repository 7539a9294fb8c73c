package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
)

// unreliableAcks fails the pool's first failures tries to store an
// outcome (Ack and AckDequeue). With applied set, a failed try stores the
// outcome and then reports an unknown outcome, as a request whose answer
// was lost would.
type unreliableAcks struct {
	*memory.Backend
	failures atomic.Int32
	tries    atomic.Int32
	applied  bool
}

func (u *unreliableAcks) fail(ctx context.Context, job jobs.Job) error {
	u.tries.Add(1)
	if u.failures.Add(-1) < 0 {
		return nil
	}
	if !u.applied {
		return errors.New("connection refused")
	}
	if err := u.Backend.Ack(ctx, job); err != nil {
		return err
	}
	return &jobs.UnknownOutcomeError{JobIDs: []string{job.ID}, Err: errors.New("i/o timeout")}
}

func (u *unreliableAcks) Ack(ctx context.Context, job jobs.Job) error {
	if err := u.fail(ctx, job); err != nil {
		return err
	}
	return u.Backend.Ack(ctx, job)
}

func (u *unreliableAcks) AckDequeue(ctx context.Context, job jobs.Job, lease time.Duration) ([]jobs.Job, error) {
	if err := u.fail(ctx, job); err != nil {
		return nil, err
	}
	return u.Backend.AckDequeue(ctx, job, lease)
}

// TestAckRetriedUntilLeaseRunsOut: a finished job's outcome is retried
// while the job's lease lasts (1 s here: six failed tries, 620 ms of pauses,
// do not give it up), then given up with a log line that says
// what is known; a try that stored the outcome though its answer was lost
// is recognised when the next try finds the lease gone.
func TestAckRetriedUntilLeaseRunsOut(t *testing.T) {
	const lease = time.Second
	tests := []struct {
		name      string
		failures  int32
		applied   bool
		wantState jobs.State
		wantLog   string // a line the log must hold
	}{
		{"failures for most of the lease are retried", 6, false, jobs.StateCompleted, "failed; retrying while its lease lasts"},
		{"a lost answer of an applied try", 1, true, jobs.StateCompleted, "outcome stored by an earlier try whose answer was lost"},
		{"failures past the lease are given up", 1 << 20, false, jobs.StateRunning,
			"outcome of job %s (completed) could not be stored before its lease ran out: it will run again after recovery, if it has attempts left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &unreliableAcks{Backend: memory.New(), applied: tt.applied}
			b.failures.Store(tt.failures)
			reg := runtime.NewRegistry()
			var runs atomic.Int32
			if err := reg.Register("t", func(context.Context, jobs.Job) (json.RawMessage, error) { runs.Add(1); return nil, nil }); err != nil {
				t.Fatal(err)
			}
			logs := &lockedBuffer{}
			p, err := runtime.NewPool(b, reg, runtime.PoolConfig{
				Lease: lease, DisableScheduler: true,
				Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			job, err := runtime.NewClient(b).Enqueue(context.Background(), "t", nil)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			var got jobs.Job
			for time.Since(start) < 2*lease {
				got, _ = b.Job(context.Background(), job.ID)
				if got.State == jobs.StateCompleted {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(lease / 4)
			tries := b.tries.Load()
			time.Sleep(lease / 2)
			if got.State != tt.wantState || runs.Load() != 1 {
				t.Fatalf("job %s after %d runs, want %s after 1", got.State, runs.Load(), tt.wantState)
			}
			if more := b.tries.Load() - tries; more != 0 {
				t.Errorf("%d more tries to store the outcome once it was stored or given up, want none", more)
			}
			want := tt.wantLog
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, job.ID)
			}
			if len(logs.lines(want)) == 0 {
				t.Errorf("no log line says %q:\n%s", want, strings.Join(logs.lines(), ""))
			}
			if lost := append(logs.lines("another worker"), logs.lines("lease of job")...); len(lost) > 0 {
				t.Errorf("a log line claims a lost lease:\n%s", strings.Join(lost, ""))
			}
		})
	}
}
