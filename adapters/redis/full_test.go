package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// Tests of a full Redis: maxmemory reached under the noeviction policy.

// startFullRedis starts a private redis-server, listening on a unix socket
// only, with the given maxmemory and the noeviction policy, and returns
// its URL. It runs with the integration tests (the test services'
// environment), which have redis-server installed.
func startFullRedis(t *testing.T, maxmemory string) string {
	t.Helper()
	testenv.RedisURL(t)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed: CI must run the full-Redis tests")
		}
		t.Skip("redis-server is not installed")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--dir", dir, "--save", "", "--appendonly", "no",
		"--maxmemory", maxmemory, "--maxmemory-policy", "noeviction")
	must(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "unix://" + sock
	opts, err := goredis.ParseURL(url)
	must(t, err)
	client := goredis.NewClient(opts)
	defer client.Close()
	for start := time.Now(); client.Ping(context.Background()).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("redis-server did not start")
		}
	}
	return url
}

// isOOM reports whether err is Redis's refusal of a write out of memory.
func isOOMError(err error) bool {
	return err != nil && strings.Contains(err.Error(), "OOM command not allowed")
}

// squeezeRedis lowers maxmemory 256 KiB below the memory Redis uses, so
// that it is full (every write refused out of memory would be) by a margin
// that no single call of a test crosses, until t ends.
func squeezeRedis(t *testing.T, client goredis.UniversalClient) {
	t.Helper()
	ctx := context.Background()
	old, err := client.ConfigGet(ctx, "maxmemory").Result()
	must(t, err)
	info, err := client.Info(ctx, "memory").Result()
	must(t, err)
	var used int64
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			used, err = strconv.ParseInt(v, 10, 64)
			must(t, err)
		}
	}
	if used < 512<<10 {
		t.Fatalf("Redis uses %d bytes: too little to squeeze", used)
	}
	must(t, client.ConfigSet(ctx, "maxmemory", strconv.FormatInt(used-256<<10, 10)).Err())
	t.Cleanup(func() { must(t, client.ConfigSet(ctx, "maxmemory", old["maxmemory"]).Err()) })
}

// errorLog records the pool's log lines at level Warn and above.
type errorLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *errorLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelWarn }

func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	r.Attrs(func(a slog.Attr) bool {
		line += " " + a.String()
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	return nil
}

func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

func (l *errorLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// TestFullRedisDrains fills Redis with jobs until Enqueue is refused for
// want of memory (all or none: none of the refused batch is stored), then
// drains it with a pool: each job runs exactly once, every outcome is
// stored, and nothing stays pending or running. Under the default
// retention, which keeps every completed job here, Redis is still full
// after the drain (every job was settled on a full Redis); with a
// retention of 100 the trims free enough memory for Enqueue to work again.
func TestFullRedisDrains(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []Option
		fullAfter bool
	}{
		{"default retention", nil, true},
		{"retention 100", []Option{WithCompletedLimit(100)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) { drainFullRedis(t, tc.opts, tc.fullAfter) })
	}
}

// drainFullRedis is TestFullRedisDrains with the backend options opts;
// fullAfter says whether Redis is to be still full after the drain.
func drainFullRedis(t *testing.T, opts []Option, fullAfter bool) {
	url := startFullRedis(t, "4mb")
	b, err := New(append([]Option{WithURL(url), WithPrefix("jobs")}, opts...)...)
	must(t, err)
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	client := runtime.NewClient(b)
	args := []byte(fmt.Sprintf(`{"pad":%q}`, strings.Repeat("p", 200)))
	var enqueued, refused []string
	for refused == nil {
		ids := make([]string, 50)
		batch := make([]runtime.EnqueueRequest, len(ids))
		for i := range batch {
			ids[i] = uuid.NewString()
			batch[i] = runtime.EnqueueRequest{Type: "fill", Args: args, Options: []runtime.EnqueueOption{runtime.WithJobID(ids[i])}}
		}
		switch _, err := client.EnqueueBatch(ctx, batch); {
		case errors.Is(err, ErrOutOfMemory):
			refused = ids
		case err != nil:
			t.Fatalf("after %d jobs Enqueue failed with %v, want an error wrapping ErrOutOfMemory", len(enqueued), err)
		case len(enqueued) > 50_000:
			t.Fatal("Redis never ran out of memory")
		default:
			enqueued = append(enqueued, ids...)
		}
	}
	if len(enqueued) < 1000 {
		t.Fatalf("only %d jobs filled Redis", len(enqueued))
	}
	for _, id := range refused {
		if _, err := b.Job(ctx, id); !errors.Is(err, runtime.ErrJobNotFound) {
			t.Fatalf("job %s of the refused batch: Job returned %v, want ErrJobNotFound", id, err)
		}
	}
	if n, err := b.Size(ctx, runtime.DefaultQueue); err != nil || n != len(enqueued) {
		t.Fatalf("Size = %d, %v after a refused enqueue; want the %d jobs acknowledged", n, err, len(enqueued))
	}

	var mu sync.Mutex
	runs := make(map[string]int)
	reg := runtime.NewRegistry()
	must(t, reg.Register("fill", func(_ context.Context, j runtime.Job) (json.RawMessage, error) {
		mu.Lock()
		runs[j.ID]++
		mu.Unlock()
		return nil, nil
	}))
	logs := &errorLog{}
	pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{
		Queues: map[string]int{runtime.DefaultQueue: 8}, Lease: 5 * time.Second, SchedulerInterval: 100 * time.Millisecond,
		Logger: slog.New(logs),
	})
	must(t, err)
	must(t, pool.Start(ctx))
	t.Cleanup(func() { _ = pool.Shutdown(context.Background()) })
	var stats runtime.Stats
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		stats, err = b.Stats(ctx)
		must(t, err)
		if stats.Processed >= int64(len(enqueued)) {
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			ran := len(runs)
			mu.Unlock()
			lines := logs.all()
			t.Fatalf("after 60 s: %d of %d jobs processed, %d run; the pool logged %d warnings or errors, the first: %q",
				stats.Processed, len(enqueued), ran, len(lines), lines[:min(len(lines), 3)])
		}
	}
	must(t, pool.Shutdown(ctx))

	mu.Lock()
	defer mu.Unlock()
	for _, id := range enqueued {
		if runs[id] != 1 {
			t.Errorf("job %s ran %d times, want once", id, runs[id])
		}
	}
	if len(runs) != len(enqueued) {
		t.Errorf("%d distinct jobs ran, want the %d enqueued", len(runs), len(enqueued))
	}
	stats, err = b.Stats(ctx)
	must(t, err)
	if stats.Processed != int64(len(enqueued)) || stats.Succeeded != int64(len(enqueued)) || len(stats.Queues) != 1 ||
		stats.Queues[0].Pending != 0 || stats.Queues[0].Running != 0 {
		t.Errorf("stats after the drain: %+v; want %d processed and succeeded, nothing pending or running", stats, len(enqueued))
	}
	if lines := logs.all(); len(lines) > 0 {
		t.Errorf("the pool logged %d warnings or errors, the first: %s", len(lines), lines[0])
	}
	_, err = client.Enqueue(ctx, "fill", args)
	if full := errors.Is(err, ErrOutOfMemory); full != fullAfter || (err != nil && !full) {
		t.Errorf("Enqueue after the drain returned %v; want Redis full: %v", err, fullAfter)
	}
}

// TestFullRedisOperations runs, on a full Redis, each call that stores an
// outcome, hands a job back, recovers, cancels or deletes one, keeps a
// lease, promotes, pauses or reports workers: each succeeds and leaves its
// job where it belongs (a lease taken on a full Redis can be settled the
// same way). Enqueue alone is refused, storing nothing. Each runs with the
// standalone key protocol and with the Redis Cluster one.
func TestFullRedisOperations(t *testing.T) {
	url := startFullRedis(t, "4mb")
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprintf("cluster=%v", cluster), func(t *testing.T) { fullRedisOperations(t, url, cluster) })
	}
}

// fullRedisOperations is TestFullRedisOperations on the server at url,
// with the Redis Cluster key protocol when cluster is set.
func fullRedisOperations(t *testing.T, url string, cluster bool) {
	clock := backendtest.NewClock(backendtest.Start)
	b, err := New(WithURL(url), WithPrefix(fmt.Sprintf("jobs%v", cluster)), WithClock(clock), withCluster(cluster))
	must(t, err)
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	client := runtime.NewClient(b, runtime.WithClientClock(clock))
	const lease = time.Minute
	enqueue := func(t *testing.T, queue string, opts ...runtime.EnqueueOption) runtime.Job {
		t.Helper()
		j, err := client.Enqueue(ctx, "op", []byte(`{}`), append(opts, runtime.WithQueue(queue))...)
		must(t, err)
		return j
	}
	lease1 := func(t *testing.T, queue string) runtime.Job {
		t.Helper()
		jobs, err := b.Dequeue(ctx, queue, 1, lease)
		must(t, err)
		if len(jobs) != 1 {
			t.Fatalf("Dequeue leased %d jobs, want 1", len(jobs))
		}
		return jobs[0]
	}
	leased := func(t *testing.T, queue string) runtime.Job {
		t.Helper()
		enqueue(t, queue)
		return lease1(t, queue)
	}
	// ack(t)(job.Complete(...)) stores the outcome of a transition.
	ack := func(t *testing.T) func(runtime.Job, error) {
		return func(j runtime.Job, err error) {
			t.Helper()
			must(t, err)
			must(t, b.Ack(ctx, j))
		}
	}
	jobErr := runtime.JobError{Type: "test", Message: "failed on purpose"}
	cases := []struct {
		name string
		// setup prepares the job, before Redis is filled.
		setup func(t *testing.T, queue string) runtime.Job
		// run acts on the full Redis and returns the job's state after it
		// ("" : deleted).
		run func(t *testing.T, j runtime.Job) runtime.State
	}{
		{"ack completed", leased, func(t *testing.T, j runtime.Job) runtime.State {
			ack(t)(j.Complete([]byte(`{"ok":true}`), clock.Now()))
			return runtime.StateCompleted
		}},
		{"ack retrying", leased, func(t *testing.T, j runtime.Job) runtime.State {
			ack(t)(j.PrepareRetry(jobErr, clock.Now().Add(time.Hour), clock.Now()))
			return runtime.StateRetrying
		}},
		{"ack failed", leased, func(t *testing.T, j runtime.Job) runtime.State {
			ack(t)(j.Fail(jobErr, clock.Now()))
			return runtime.StateFailed
		}},
		{"release", leased, func(t *testing.T, j runtime.Job) runtime.State {
			ack(t)(j.Release(clock.Now()))
			return runtime.StatePending
		}},
		{"ack and dequeue", func(t *testing.T, queue string) runtime.Job {
			enqueue(t, queue)
			return leased(t, queue)
		}, func(t *testing.T, j runtime.Job) runtime.State {
			done, err := j.Complete(nil, clock.Now())
			must(t, err)
			next, err := b.AckDequeue(ctx, done, lease)
			must(t, err)
			if len(next) != 1 {
				t.Fatalf("AckDequeue leased %d jobs, want 1", len(next))
			}
			ack(t)(next[0].Complete(nil, clock.Now()))
			return runtime.StateCompleted
		}},
		{"dequeue, then ack", func(t *testing.T, queue string) runtime.Job {
			return enqueue(t, queue)
		}, func(t *testing.T, j runtime.Job) runtime.State {
			got := lease1(t, j.Queue)
			ack(t)(got.Complete(nil, clock.Now()))
			return runtime.StateCompleted
		}},
		{"extend lease", leased, func(t *testing.T, j runtime.Job) runtime.State {
			lost, err := b.ExtendLeases(ctx, []runtime.Job{j}, clock.Now().Add(2*lease))
			must(t, err)
			if len(lost) != 0 {
				t.Fatalf("ExtendLeases lost %v", lost)
			}
			return runtime.StateRunning
		}},
		{"recover expired lease", leased, func(t *testing.T, j runtime.Job) runtime.State {
			clock.Advance(2 * lease)
			n, err := b.RecoverExpired(ctx)
			must(t, err)
			if n != 1 {
				t.Fatalf("RecoverExpired recovered %d jobs, want 1", n)
			}
			return runtime.StatePending
		}},
		{"cancel running", leased, func(t *testing.T, j runtime.Job) runtime.State {
			_, err := b.Cancel(ctx, j.ID)
			must(t, err)
			return runtime.StateCancelled
		}},
		{"cancel scheduled", func(t *testing.T, queue string) runtime.Job {
			return enqueue(t, queue, runtime.RunIn(time.Hour))
		}, func(t *testing.T, j runtime.Job) runtime.State {
			_, err := b.Cancel(ctx, j.ID)
			must(t, err)
			return runtime.StateCancelled
		}},
		{"delete pending", func(t *testing.T, queue string) runtime.Job {
			return enqueue(t, queue)
		}, func(t *testing.T, j runtime.Job) runtime.State {
			must(t, b.Delete(ctx, j.ID))
			return ""
		}},
		{"retry dead letter", func(t *testing.T, queue string) runtime.Job {
			j := leased(t, queue)
			ack(t)(j.Fail(jobErr, clock.Now()))
			return j
		}, func(t *testing.T, j runtime.Job) runtime.State {
			_, err := b.RetryDeadLetter(ctx, j.ID)
			must(t, err)
			return runtime.StatePending
		}},
		{"promote due job", func(t *testing.T, queue string) runtime.Job {
			return enqueue(t, queue, runtime.RunIn(time.Second))
		}, func(t *testing.T, j runtime.Job) runtime.State {
			clock.Advance(time.Minute)
			_, err := b.PromoteDue(ctx)
			must(t, err)
			return runtime.StatePending
		}},
		{"pause and resume", func(t *testing.T, queue string) runtime.Job {
			return enqueue(t, queue)
		}, func(t *testing.T, j runtime.Job) runtime.State {
			must(t, b.PauseQueue(ctx, j.Queue))
			must(t, b.ResumeQueue(ctx, j.Queue))
			return runtime.StatePending
		}},
		{"report workers", func(t *testing.T, queue string) runtime.Job {
			return enqueue(t, queue)
		}, func(t *testing.T, j runtime.Job) runtime.State {
			must(t, b.ReportWorkers(ctx, "process-1", []runtime.WorkerInfo{{ID: "w1", Queue: j.Queue}}, time.Minute))
			return runtime.StatePending
		}},
		{"enqueue is refused", func(t *testing.T, queue string) runtime.Job {
			return runtime.Job{Queue: queue}
		}, func(t *testing.T, j runtime.Job) runtime.State {
			id := uuid.NewString()
			_, err := client.Enqueue(ctx, "op", []byte(`{}`), runtime.WithQueue(j.Queue), runtime.WithJobID(id))
			if !errors.Is(err, ErrOutOfMemory) {
				t.Fatalf("Enqueue returned %v, want an error matching ErrOutOfMemory", err)
			}
			if _, err := b.Job(ctx, id); !errors.Is(err, runtime.ErrJobNotFound) {
				t.Fatalf("the refused job: Job returned %v, want ErrJobNotFound", err)
			}
			return ""
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := tc.setup(t, fmt.Sprintf("q%d", i))
			squeezeRedis(t, b.client)
			want := tc.run(t, j)
			if !isOOMError(b.client.Set(ctx, "probe", "x", 0).Err()) {
				t.Error("Redis had memory to spare after the call: the test proves nothing")
			}
			if j.ID == "" {
				return
			}
			got, err := b.Job(ctx, j.ID)
			switch {
			case want == "" && !errors.Is(err, runtime.ErrJobNotFound):
				t.Errorf("job %s after the call: %v (err %v), want it deleted", j.ID, got.State, err)
			case want != "" && (err != nil || got.State != want):
				t.Errorf("job %s after the call: %v (err %v), want %s", j.ID, got.State, err, want)
			}
		})
	}
}
