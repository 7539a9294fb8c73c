package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime"
)

// useBackend runs every call that starts with Preflight: Enqueue, Dequeue,
// Preflight itself and the Start of a pool, and returns their errors by
// name.
func useBackend(t *testing.T, b *Backend) map[string]error {
	t.Helper()
	ctx := t.Context()
	errs := map[string]error{
		"Enqueue":   b.Enqueue(ctx, job(t, runtime.SystemClock{}, "j1", "q")),
		"Preflight": b.Preflight(ctx),
	}
	_, errs["Dequeue"] = b.Dequeue(ctx, "q", 1, time.Minute)
	reg := runtime.NewRegistry()
	must(t, reg.Register("test.job", func(context.Context, jobs.Job) (json.RawMessage, error) { return nil, nil }))
	pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{Queues: map[string]int{"other": 1},
		Logger: slog.New(slog.NewTextHandler(&logRecorder{}, nil))})
	must(t, err)
	if errs["Pool.Start"] = pool.Start(ctx); errs["Pool.Start"] == nil {
		must(t, pool.Shutdown(ctx))
	}
	return errs
}

// TestEvictionPolicyRefused runs a backend on servers of each eviction
// policy: any policy but noeviction makes Enqueue, Dequeue, Preflight and
// Pool.Start fail with ErrEvictionPolicy and a message that says what to
// set, and stores nothing; CONFIG disabled, the policy is read from INFO.
// Once the policy is fixed, the same backend works.
func TestEvictionPolicyRefused(t *testing.T) {
	noConfig := []string{"--rename-command", "CONFIG", ""}
	cases := []struct {
		name   string
		args   []string
		refuse bool
	}{
		{"noeviction", []string{"--maxmemory-policy", "noeviction"}, false},
		{"allkeys-lru", []string{"--maxmemory", "20mb", "--maxmemory-policy", "allkeys-lru"}, true},
		{"volatile-lru", []string{"--maxmemory", "20mb", "--maxmemory-policy", "volatile-lru"}, true},
		{"allkeys-random", []string{"--maxmemory-policy", "allkeys-random"}, true},
		{"noeviction, CONFIG disabled", append([]string{"--maxmemory-policy", "noeviction"}, noConfig...), false},
		{"allkeys-lru, CONFIG disabled", append([]string{"--maxmemory-policy", "allkeys-lru"}, noConfig...), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := testenv.StartRedis(t, c.args...)
			b, err := New(WithURL(url), WithLogger(slog.New(slog.NewTextHandler(&logRecorder{}, nil))))
			must(t, err)
			defer b.Close()
			for call, err := range useBackend(t, b) {
				if !c.refuse {
					must(t, err)
					continue
				}
				if !errors.Is(err, ErrEvictionPolicy) || !strings.Contains(err.Error(), "set maxmemory-policy noeviction") ||
					!strings.Contains(err.Error(), "WithAllowEviction") {
					t.Errorf("%s: err = %v; want ErrEvictionPolicy saying to set noeviction or pass WithAllowEviction", call, err)
				}
			}
			if !c.refuse {
				return
			}
			if n, err := b.client.DBSize(t.Context()).Result(); err != nil || n != 0 {
				t.Fatalf("the refused backend stored %d keys (%v)", n, err)
			}
			if b.client.ConfigSet(t.Context(), "maxmemory-policy", "noeviction").Err() == nil {
				must(t, b.Enqueue(t.Context(), job(t, runtime.SystemClock{}, "fixed", "q")))
			}
		})
	}
}

// TestEvictionPolicyWarningOption checks that WithAllowEviction turns the
// refusal into one warning per backend that names the policy, whether the
// policy is read with CONFIG GET or from INFO.
func TestEvictionPolicyWarningOption(t *testing.T) {
	for _, args := range [][]string{
		{"--maxmemory-policy", "allkeys-lru"},
		{"--maxmemory-policy", "allkeys-lru", "--rename-command", "CONFIG", ""},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			url := testenv.StartRedis(t, args...)
			var rec logRecorder
			b, err := New(WithURL(url), WithAllowEviction(), WithLogger(rec.logger()))
			must(t, err)
			defer b.Close()
			for call, err := range useBackend(t, b) {
				if err != nil {
					t.Errorf("%s with WithAllowEviction: %v", call, err)
				}
			}
			if got := rec.lines("maxmemory_policy=allkeys-lru"); len(got) != 1 || !strings.Contains(got[0], "level=WARN") {
				t.Fatalf("eviction warnings %q; want one", got)
			}
		})
	}
}

// TestEvictionPolicyUnreadableWarns checks that a server that refuses both
// CONFIG and INFO is not refused (its policy is unknown) but warned about,
// once per backend, without a guess at the policy.
func TestEvictionPolicyUnreadableWarns(t *testing.T) {
	url := testenv.StartRedis(t, "--maxmemory-policy", "allkeys-lru", "--rename-command", "CONFIG", "", "--rename-command", "INFO", "")
	var rec logRecorder
	b, err := New(WithURL(url), WithLogger(rec.logger()))
	must(t, err)
	defer b.Close()
	for call, err := range useBackend(t, b) {
		if err != nil {
			t.Errorf("%s: %v", call, err)
		}
	}
	if got := rec.lines("could not read Redis's maxmemory-policy"); len(got) != 1 || strings.Contains(got[0], "allkeys-lru") {
		t.Fatalf("warnings %q; want one that the policy could not be read", got)
	}
}

// TestNoPersistenceWarns checks the warning of a server that persists
// nothing: logged once per backend, never an error, and not logged when
// AOF or RDB save points are on, nor when the save points cannot be read
// (CONFIG disabled: INFO does not show them).
func TestNoPersistenceWarns(t *testing.T) {
	cases := []struct {
		name string
		args []string
		warn bool
	}{
		{"nothing", []string{"--save", "", "--appendonly", "no"}, true},
		{"AOF", []string{"--save", "", "--appendonly", "yes"}, false},
		{"RDB save points", []string{"--save", "60 1", "--appendonly", "no"}, false},
		{"CONFIG disabled", []string{"--save", "", "--appendonly", "no", "--rename-command", "CONFIG", ""}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := testenv.StartRedis(t, c.args...)
			var rec logRecorder
			b, err := New(WithURL(url), WithLogger(rec.logger()))
			must(t, err)
			defer b.Close()
			for call, err := range useBackend(t, b) {
				if err != nil {
					t.Errorf("%s: %v", call, err)
				}
			}
			want := 0
			if c.warn {
				want = 1
			}
			got := rec.lines("persists nothing")
			if len(got) != want {
				t.Fatalf("persistence warnings %q; want %d", got, want)
			}
			if c.warn && !strings.Contains(got[0], "loses every job") {
				t.Fatalf("warning %q does not name the consequence", got[0])
			}
		})
	}
}

// TestPreflightRetriesAfterNetworkError checks that a check that could not
// reach the server is not remembered: Enqueue fails with the connection
// error while Redis is unreachable and succeeds once it is back.
func TestPreflightRetriesAfterNetworkError(t *testing.T) {
	observer := newTestBackend(t, nil)
	opts, err := goredis.ParseURL(testenv.RedisURL(t))
	must(t, err)
	proxy := newCutProxy(t, opts.Addr)
	proxy.cut()
	b, err := New(WithURL(fmt.Sprintf("redis://%s/%d", proxy.addr(), opts.DB)), WithPrefix(observer.prefix),
		WithLogger(slog.New(slog.NewTextHandler(&logRecorder{}, nil))))
	must(t, err)
	defer b.Close()
	ctx := t.Context()
	err = b.Enqueue(ctx, job(t, runtime.SystemClock{}, "a", "q"))
	if err == nil || errors.Is(err, ErrEvictionPolicy) {
		t.Fatalf("Enqueue with Redis unreachable: %v; want the connection error", err)
	}
	proxy.restore()
	must(t, b.Enqueue(ctx, job(t, runtime.SystemClock{}, "a", "q")))
	if _, err := observer.Job(ctx, "a"); err != nil {
		t.Fatal(err)
	}
}
