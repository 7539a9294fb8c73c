package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// DefaultCheckTimeout bounds Preflight (and so runtime.Pool.Start) when its
// context has no deadline: a server that does not answer within it fails
// the check with ErrUnreachable, instead of after go-redis's five dial
// attempts of 5 s each (25 s for a host that drops packets).
const DefaultCheckTimeout = 5 * time.Second

// ErrUnreachable is matched (errors.Is) by the errors of Preflight, of the
// first Enqueue and Dequeue, of runtime.Pool.Start and of New with
// WithStartupCheck when the server cannot be reached: the connection was
// refused, reset or timed out, or the check's deadline passed. The error
// names the address and wraps the network error.
var ErrUnreachable = errors.New("redis: cannot reach the server")

// WithStartupCheck makes New ping the server (each master of a cluster)
// and fail with ErrUnreachable when it does not answer within timeout,
// which must be positive.
// Without it New does not dial: a server that is down shows up as the
// errors of the calls, the first being Preflight's (at Pool.Start).
func WithStartupCheck(timeout time.Duration) Option {
	return func(c *config) { c.startupCheck = &timeout }
}

// unreachableError is a failure to reach one server.
type unreachableError struct {
	addr   string
	within time.Duration // the check's own bound, when it was the one that passed
	hint   string        // where the address comes from
	err    error
}

func (e *unreachableError) Error() string {
	within := ""
	if e.within > 0 {
		within = " within " + e.within.String()
	}
	return fmt.Sprintf("redis: cannot reach %s%s: %v (is the server running? check %s)", e.addr, within, e.err, e.hint)
}

func (e *unreachableError) Unwrap() []error { return []error{ErrUnreachable, e.err} }

// checkContext bounds a start-up check by DefaultCheckTimeout when ctx has
// no deadline, and returns the bound it set (0 if none).
func checkContext(ctx context.Context) (context.Context, context.CancelFunc, time.Duration) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}, 0
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultCheckTimeout)
	return ctx, cancel, DefaultCheckTimeout
}

// explainUnreachable turns a failure to reach the server at addr into an
// error matching ErrUnreachable; other errors, and a failure caused by the
// caller cancelling ctx, are returned as they are.
func (b *Backend) explainUnreachable(ctx context.Context, addr string, within time.Duration, err error) error {
	var ne net.Error
	if errors.Is(err, ErrUnreachable) || errors.Is(err, context.Canceled) ||
		!(errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	if deadline, ok := ctx.Deadline(); !ok || time.Now().Before(deadline) {
		within = 0 // a network error, not the check's bound
	}
	hint := "redis.WithURL"
	switch {
	case b.sentinel != "":
		hint = "redis.WithSentinel and the sentinels' view of the master (SENTINEL GET-MASTER-ADDR-BY-NAME)"
	case b.owned && isCluster(b.client):
		hint = "redis.WithClusterAddrs"
	case !b.owned:
		hint = "the address of the client given to redis.WithClient"
	}
	return &unreachableError{addr: addr, within: within, hint: hint, err: err}
}

// addrs names the servers the client was configured with.
func (b *Backend) addrs() string {
	switch c := b.client.(type) {
	case *goredis.ClusterClient:
		return strings.Join(c.Options().Addrs, ",")
	case *goredis.Client:
		if c.Options().Addr == failoverAddr {
			return "the master " + b.sentinel + " (found through Sentinel)"
		}
		return c.Options().Addr
	}
	return "the server"
}

// startupCheck pings every server within timeout.
func (b *Backend) startupCheck(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := b.eachServer(ctx, func(ctx context.Context, c goredis.Cmdable, addr string) error {
		if err := c.Ping(ctx).Err(); err != nil {
			return b.explainUnreachable(ctx, addr, timeout, err)
		}
		return nil
	})
	if err != nil {
		return b.explainUnreachable(ctx, b.addrs(), timeout, err)
	}
	return nil
}

// slogAdapter sends go-redis's log lines to a slog logger, at level Warn:
// go-redis logs failures (dials, pool and cluster trouble). Its notes of
// the normal work of a failover client are not failures: which sentinel
// it asked (each time it looks the master up) and a sentinel it
// discovered go at level Debug, and a new master (a failover) at Info.
type slogAdapter struct{ log *slog.Logger }

// goredisLevels are the levels of go-redis's lines that are not warnings,
// by the start of the line.
var goredisLevels = []struct {
	prefix string
	level  slog.Level
}{
	{"sentinel: selected addr=", slog.LevelDebug},
	{"sentinel: discovered new sentinel=", slog.LevelDebug},
	{"sentinel: new master=", slog.LevelInfo},
}

// Printf implements go-redis's internal Logging interface.
func (a slogAdapter) Printf(ctx context.Context, format string, v ...any) {
	msg := strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: ")
	level := slog.LevelWarn
	for _, l := range goredisLevels {
		if strings.HasPrefix(msg, l.prefix) {
			level = l.level
		}
	}
	a.log.Log(ctx, level, "go-redis: "+msg)
}

// isCluster reports whether c is a Redis Cluster client.
func isCluster(c goredis.UniversalClient) bool {
	_, ok := c.(*goredis.ClusterClient)
	return ok
}
