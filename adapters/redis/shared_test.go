package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime"
)

// Tests of several backends (as several processes would have) sharing one
// server and key prefix.

// sharedBackends returns n backends on one fresh key prefix.
func sharedBackends(t testing.TB, n int, opts ...Option) []*Backend {
	t.Helper()
	first := newTestBackend(t, nil, opts...)
	out := []*Backend{first}
	for range n - 1 {
		b, err := New(append([]Option{WithURL(testenv.RedisURL(t)), WithPrefix(first.prefix)}, opts...)...)
		must(t, err)
		t.Cleanup(func() { b.Close() })
		out = append(out, b)
	}
	return out
}

// startPool starts a pool on b that serves the default queue with the given
// handlers and stops it when the test ends.
func startPool(t testing.TB, b jobs.Backend, handlers map[string]runtime.Handler, cfg runtime.PoolConfig) *runtime.Pool {
	t.Helper()
	reg := runtime.NewRegistry()
	for jobType, h := range handlers {
		must(t, reg.Register(jobType, h))
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := runtime.NewPool(b, reg, cfg)
	must(t, err)
	must(t, p.Start(context.Background()))
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

// TestUniqueAcrossBackends has 8 producers, each with a backend of its own,
// enqueue the same unique job at once, in rounds: exactly one job exists
// per round and every other producer is told its ID.
func TestUniqueAcrossBackends(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprintf("cluster=%v", cluster), func(t *testing.T) {
			const producers, rounds = 8, 20
			backends := sharedBackends(t, producers, withCluster(cluster))
			ctx := t.Context()
			for round := range rounds {
				batch := make([]jobs.Job, producers)
				errs := make([]error, producers)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for p, b := range backends {
					wg.Go(func() {
						<-start
						batch[p], errs[p] = runtime.NewClient(b).Enqueue(ctx, "report", []byte(fmt.Sprintf(`{"round":%d}`, round)), jobs.Unique(0))
					})
				}
				close(start)
				wg.Wait()
				winner := ""
				for p, err := range errs {
					if err == nil {
						if winner != "" {
							t.Fatalf("round %d: jobs %s and %s were both created", round, winner, batch[p].ID)
						}
						winner = batch[p].ID
					}
				}
				for p, err := range errs {
					var ue *jobs.UniqueJobExistsError
					if err != nil && (!errors.As(err, &ue) || ue.ExistingJobID != winner) {
						t.Fatalf("round %d, producer %d: %v; want the key held by %s", round, p, err, winner)
					}
				}
				if n, err := backends[0].Size(ctx, jobs.DefaultQueue); err != nil || n != round+1 {
					t.Fatalf("round %d: %d jobs pending (%v), want %d", round, n, err, round+1)
				}
			}
		})
	}
}

// blocker is a handler that reports each job it starts and blocks until
// its context is done, then reports when that happened.
type blocker struct {
	started chan string
	stopped chan time.Time
	causes  chan error
}

func newBlocker() *blocker {
	return &blocker{started: make(chan string, 1), stopped: make(chan time.Time, 1), causes: make(chan error, 1)}
}

func (b *blocker) handle(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
	b.started <- j.ID
	<-ctx.Done()
	b.stopped <- time.Now()
	b.causes <- context.Cause(ctx)
	return nil, ctx.Err()
}

// TestCancelRunningAcrossBackends runs a blocking job in a pool on backend
// A and cancels it through backend B: the handler's context is cancelled
// within a second (well before a lease renewal), with cause
// jobs.ErrJobCancelled, and the job ends cancelled, never retried.
func TestCancelRunningAcrossBackends(t *testing.T) {
	backends := sharedBackends(t, 2)
	a, b := backends[0], backends[1]
	h := newBlocker()
	startPool(t, a, map[string]runtime.Handler{"block": h.handle}, runtime.PoolConfig{Lease: 30 * time.Second})
	ctx := t.Context()
	enqueued, err := runtime.NewClient(b).Enqueue(ctx, "block", nil, jobs.WithMaxRetries(5))
	must(t, err)
	id := enqueued.ID
	select {
	case <-h.started:
	case <-time.After(5 * time.Second):
		t.Fatal("the job did not start")
	}
	asked := time.Now()
	j, err := b.Cancel(ctx, id)
	must(t, err)
	if j.State != jobs.StateCancelled {
		t.Fatalf("Cancel returned a %s job", j.State)
	}
	select {
	case at := <-h.stopped:
		t.Logf("handler stopped %s after Cancel", at.Sub(asked))
		if cause := <-h.causes; !errors.Is(cause, jobs.ErrJobCancelled) {
			t.Fatalf("handler context cause = %v, want ErrJobCancelled", cause)
		}
	case <-time.After(time.Second):
		t.Fatal("the handler was not stopped within 1 s of Cancel")
	}
	time.Sleep(300 * time.Millisecond) // let the pool ack and a retry, were there one, start
	stored, err := a.Job(ctx, id)
	must(t, err)
	if stored.State != jobs.StateCancelled || stored.Attempt != 1 {
		t.Fatalf("job after the cancel: %s at attempt %d, want cancelled at attempt 1", stored.State, stored.Attempt)
	}
	select {
	case again := <-h.started:
		t.Fatalf("job %s ran again", again)
	default:
	}
}

// BenchmarkCancelLatency measures the time from Cancel on one backend to
// the stop of the handler running the job in a pool on another backend;
// each op is one cancel, and p50/p99 are reported in milliseconds.
func BenchmarkCancelLatency(b *testing.B) {
	backends := sharedBackends(b, 2)
	h := newBlocker()
	startPool(b, backends[0], map[string]runtime.Handler{"block": h.handle}, runtime.PoolConfig{Lease: time.Minute})
	client := runtime.NewClient(backends[1])
	ctx := b.Context()
	var took []time.Duration
	for b.Loop() {
		j, err := client.Enqueue(ctx, "block", nil)
		must(b, err)
		<-h.started
		asked := time.Now()
		_, err = backends[1].Cancel(ctx, j.ID)
		must(b, err)
		took = append(took, (<-h.stopped).Sub(asked))
		<-h.causes
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	pct := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// logRecorder collects a logger's output.
type logRecorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *logRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

// lines returns the logged lines that contain s.
func (r *logRecorder) lines(s string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, l := range strings.Split(r.buf.String(), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

func (r *logRecorder) logger() *slog.Logger { return slog.New(slog.NewTextHandler(r, nil)) }

// String returns everything logged so far.
func (r *logRecorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}
