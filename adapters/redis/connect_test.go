package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime"
)

// refusedAddr returns a loopback address where nothing listens.
func refusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	must(t, l.Close())
	return addr
}

// silentAddr returns the address of a server that accepts connections and
// never answers.
func silentAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

// blackholeClient returns a client whose dials hang until their context
// ends, as they do towards a host that drops packets.
func blackholeClient(t *testing.T) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{
		Addr: "192.0.2.1:6379", ContextTimeoutEnabled: true, MaxRetries: -1,
		Dialer: func(ctx context.Context, _, _ string) (net.Conn, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		},
	})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestNewRejectsEmptyURL(t *testing.T) {
	for _, url := range []string{"", "  "} {
		b, err := New(WithURL(url))
		if err == nil {
			b.Close()
			t.Errorf("New(WithURL(%q)) = nil error, want an error naming WithURL", url)
			continue
		}
		if !strings.Contains(err.Error(), `WithURL("")`) || !strings.Contains(err.Error(), "empty") {
			t.Errorf("New(WithURL(%q)): %v, want an error naming WithURL and saying the URL is empty", url, err)
		}
	}
	b, err := New() // no WithURL: the documented default, not dialled yet
	must(t, err)
	must(t, b.Close())
}

// TestPoolStartUnreachable starts a pool on servers that cannot be
// reached: Start must fail within the context's deadline, or
// DefaultCheckTimeout without one, with an error that matches
// ErrUnreachable and names the address.
func TestPoolStartUnreachable(t *testing.T) {
	tests := []struct {
		name     string
		opts     func(t *testing.T) ([]Option, string)
		deadline time.Duration // 0: context.Background()
		within   time.Duration
	}{
		{"refused", func(t *testing.T) ([]Option, string) {
			addr := refusedAddr(t)
			return []Option{WithURL("redis://" + addr + "/0")}, addr
		}, 0, 2 * time.Second},
		{"silent server", func(t *testing.T) ([]Option, string) {
			addr := silentAddr(t)
			return []Option{WithURL("redis://" + addr + "/0")}, addr
		}, 0, DefaultCheckTimeout + time.Second},
		{"silent server, deadline", func(t *testing.T) ([]Option, string) {
			addr := silentAddr(t)
			return []Option{WithURL("redis://" + addr + "/0")}, addr
		}, time.Second, 2 * time.Second},
		{"blackholed host", func(t *testing.T) ([]Option, string) {
			return []Option{WithClient(blackholeClient(t))}, "192.0.2.1:6379"
		}, 0, DefaultCheckTimeout + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts, addr := tt.opts(t)
			b, err := New(append(opts, WithLogger(slog.New(slog.DiscardHandler)))...)
			must(t, err)
			defer b.Close()
			reg := runtime.NewRegistry()
			must(t, reg.Register("test.job", func(context.Context, jobs.Job) (json.RawMessage, error) { return nil, nil }))
			pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{})
			must(t, err)
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			start := time.Now()
			err = pool.Start(ctx)
			took := time.Since(start)
			if err == nil {
				pool.Shutdown(context.Background())
				t.Fatalf("Start = nil after %s, want ErrUnreachable", took)
			}
			if took > tt.within {
				t.Errorf("Start failed after %s, want within %s: %v", took, tt.within, err)
			}
			if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "cannot reach "+addr) ||
				!strings.Contains(err.Error(), "is the server running?") {
				t.Errorf("Start: %v\nwant an error matching ErrUnreachable that says it cannot reach %s and asks whether the server is running", err, addr)
			}
			t.Logf("Start failed after %s: %v", took.Round(time.Millisecond), err)
		})
	}
}

func TestStartupCheck(t *testing.T) {
	for _, tt := range []struct {
		name    string
		url     string
		timeout time.Duration
		want    string // "" for success
	}{
		{"refused", "redis://" + refusedAddr(t) + "/0", time.Second, "connection refused"},
		{"silent server", "redis://" + silentAddr(t) + "/0", 300 * time.Millisecond, "within 300ms"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			b, err := New(WithURL(tt.url), WithStartupCheck(tt.timeout), WithLogger(slog.New(slog.DiscardHandler)))
			took := time.Since(start)
			if err == nil {
				b.Close()
				t.Fatalf("New with WithStartupCheck on an unreachable server = nil error")
			}
			if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), tt.want) || took > tt.timeout+time.Second {
				t.Errorf("New: %v after %s, want ErrUnreachable saying %q within %s", err, took, tt.want, tt.timeout)
			}
		})
	}
	if _, err := New(WithStartupCheck(0)); err == nil || !strings.Contains(err.Error(), "WithStartupCheck") {
		t.Errorf("New(WithStartupCheck(0)) = %v, want an error naming the option", err)
	}
	t.Run("reachable", func(t *testing.T) {
		b, err := New(WithURL(testenv.RedisURL(t)), WithStartupCheck(5*time.Second))
		must(t, err)
		must(t, b.Close())
	})
}

// goRedisLogChildVar makes TestGoRedisLogsGoToSlogger the child process
// whose standard error the parent reads.
const goRedisLogChildVar = "JOBS_TEST_GOREDIS_LOG_CHILD"

// TestGoRedisLogsGoToSlogger fails a dial in a child process and checks
// that go-redis's "failed to dial" line went to the backend's slog logger
// (JSON on the child's standard output), not to standard error.
func TestGoRedisLogsGoToSlogger(t *testing.T) {
	if url := os.Getenv(goRedisLogChildVar); url != "" {
		b, err := New(WithURL(url), WithLogger(slog.New(slog.NewJSONHandler(os.Stdout, nil))))
		must(t, err)
		defer b.Close()
		if err := b.Ping(context.Background()); err == nil {
			t.Fatal("Ping of a closed port succeeded")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGoRedisLogsGoToSlogger$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=redis://%s/0", goRedisLogChildVar, refusedAddr(t)))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	if strings.Contains(stderr.String(), "failed to dial") {
		t.Errorf("go-redis logged to standard error:\n%s", &stderr)
	}
	var found bool
	for _, line := range strings.Split(stdout.String(), "\n") {
		var rec struct{ Level, Msg string }
		if json.Unmarshal([]byte(line), &rec) == nil && strings.HasPrefix(rec.Msg, "go-redis: connection pool: failed to dial") {
			found = rec.Level == "WARN"
		}
	}
	if !found {
		t.Errorf("no go-redis WARN line \"failed to dial\" in the slog output:\n%s", &stdout)
	}
}
