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

	"github.com/jobsgo/jobs"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime"
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

// isOOMError reports whether err is Redis's refusal of a write out of memory.
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
	used := usedMemory(t, client)
	if used < 512<<10 {
		t.Fatalf("Redis uses %d bytes: too little to squeeze", used)
	}
	must(t, client.ConfigSet(ctx, "maxmemory", strconv.FormatInt(used-256<<10, 10)).Err())
	t.Cleanup(func() { must(t, client.ConfigSet(ctx, "maxmemory", old["maxmemory"]).Err()) })
}

// usedMemory returns the used_memory figure of Redis's INFO.
func usedMemory(t *testing.T, client goredis.UniversalClient) int64 {
	t.Helper()
	info, err := client.Info(context.Background(), "memory").Result()
	must(t, err)
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			used, err := strconv.ParseInt(v, 10, 64)
			must(t, err)
			return used
		}
	}
	t.Fatal("INFO memory has no used_memory")
	return 0
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
			batch[i] = runtime.EnqueueRequest{Type: "fill", Args: args, Options: []jobs.EnqueueOption{jobs.WithJobID(ids[i])}}
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
		if _, err := b.Job(ctx, id); !errors.Is(err, jobs.ErrJobNotFound) {
			t.Fatalf("job %s of the refused batch: Job returned %v, want ErrJobNotFound", id, err)
		}
	}
	if n, err := b.Size(ctx, jobs.DefaultQueue); err != nil || n != len(enqueued) {
		t.Fatalf("Size = %d, %v after a refused enqueue; want the %d jobs acknowledged", n, err, len(enqueued))
	}

	var mu sync.Mutex
	runs := make(map[string]int)
	reg := runtime.NewRegistry()
	must(t, reg.Register("fill", func(_ context.Context, j jobs.Job) (json.RawMessage, error) {
		mu.Lock()
		runs[j.ID]++
		mu.Unlock()
		return nil, nil
	}))
	logs := &errorLog{}
	pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{
		Queues: map[string]int{jobs.DefaultQueue: 8}, Lease: 5 * time.Second, SchedulerInterval: 100 * time.Millisecond,
		Logger: slog.New(logs),
	})
	must(t, err)
	must(t, pool.Start(ctx))
	t.Cleanup(func() { _ = pool.Shutdown(context.Background()) })
	start, before := time.Now(), usedMemory(t, b.client)
	var stats jobs.Stats
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
	t.Logf("drained %d jobs in %s; Redis used %d bytes before, %d after", len(enqueued), time.Since(start).Round(time.Millisecond), before, usedMemory(t, b.client))
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
