package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"
)

// ErrEvictionPolicy is the error of Preflight, and of the first Enqueue and
// Dequeue, when the server's maxmemory-policy is not noeviction: such a
// server deletes keys, jobs among them, without trace when it reaches
// maxmemory. WithAllowEviction turns it into a logged warning.
var ErrEvictionPolicy = errors.New("redis: the server may evict keys")

var _ jobs.Preflighter = (*Backend)(nil)

// preflight remembers that the server's configuration passed the check, so
// that the check runs once per backend; a failed check is not remembered
// (the next call checks again, after a network error or a fixed setting).
type preflight struct {
	sem    chan struct{} // holds one token while a check is under way
	passed atomic.Bool
}

func newPreflight() *preflight { return &preflight{sem: make(chan struct{}, 1)} }

// serverSettings are what the check read of one server; an empty string is
// a setting it could not read.
type serverSettings struct {
	addr       string // the server's address, "" when the client does not say
	policy     string // maxmemory-policy
	appendonly string // "yes" or "no"
	save       string // RDB save points, "" none
	saveKnown  bool   // save was read (CONFIG GET; INFO does not show it)
}

// Preflight checks that the server keeps every job it acknowledges: its
// maxmemory-policy must be noeviction (else ErrEvictionPolicy, or a logged
// warning with WithAllowEviction), and a server that persists nothing (no
// AOF, no RDB save points) is a logged warning. It reads the settings with
// CONFIG GET or, where CONFIG is disabled (as on managed services), INFO;
// on Redis Cluster it checks every master. A server that cannot be
// reached fails it with ErrUnreachable, within ctx's deadline or, if ctx
// has none, DefaultCheckTimeout. The first Enqueue and Dequeue
// run it, and runtime.Pool.Start does; once it has passed it costs
// nothing and logs nothing again. An error is not remembered: the next
// call checks again.
func (b *Backend) Preflight(ctx context.Context) error {
	p := b.preflight
	if p.passed.Load() {
		return nil
	}
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.sem }()
	if p.passed.Load() {
		return nil
	}
	ctx, cancel, within := checkContext(ctx)
	defer cancel()
	err := b.eachServer(ctx, func(ctx context.Context, c goredis.Cmdable, addr string) error {
		return b.checkServer(ctx, c, addr, within)
	})
	if err != nil {
		return b.explainUnreachable(ctx, b.addrs(), within, err)
	}
	p.passed.Store(true)
	return nil
}

// eachServer runs fn on every server that holds the backend's keys: each
// master of a cluster, each shard of a ring, else the one server.
func (b *Backend) eachServer(ctx context.Context, fn func(context.Context, goredis.Cmdable, string) error) error {
	switch c := b.client.(type) {
	case *goredis.ClusterClient:
		return c.ForEachMaster(ctx, func(ctx context.Context, n *goredis.Client) error { return fn(ctx, n, n.Options().Addr) })
	case *goredis.Ring:
		return c.ForEachShard(ctx, func(ctx context.Context, n *goredis.Client) error { return fn(ctx, n, n.Options().Addr) })
	case *goredis.Client:
		return fn(ctx, c, b.serverAddr(ctx, c))
	}
	return fn(ctx, b.client, "")
}

// checkServer reads one server's settings and judges them.
func (b *Backend) checkServer(ctx context.Context, c goredis.Cmdable, addr string, within time.Duration) error {
	s, err := readSettings(ctx, c)
	if err != nil {
		if err := b.explainUnreachable(ctx, addr, within, err); errors.Is(err, ErrUnreachable) {
			return err
		}
		return fmt.Errorf("redis: check the server's eviction policy: %w", err)
	}
	s.addr = addr
	if s.addr == "" {
		s.addr = "the server"
	}
	return b.judge(s)
}

// judge turns settings into an error or warnings.
func (b *Backend) judge(s serverSettings) error {
	switch s.policy {
	case "noeviction":
	case "":
		b.log.Warn("jobs: could not read Redis's maxmemory-policy (CONFIG GET refused, INFO did not show it); unless it is noeviction, Redis deletes jobs without trace when it reaches maxmemory",
			"addr", s.addr)
	default:
		if !b.allowEviction {
			return fmt.Errorf("%w: %s has maxmemory-policy %s, under which it deletes jobs without trace when it reaches maxmemory; set maxmemory-policy noeviction (CONFIG SET maxmemory-policy noeviction, or in redis.conf or the service's parameter group), or pass redis.WithAllowEviction() to accept losing jobs",
				ErrEvictionPolicy, s.addr, s.policy)
		}
		b.log.Warn("jobs: Redis may evict keys: it deletes jobs without trace when it reaches maxmemory (allowed by WithAllowEviction); set maxmemory-policy noeviction to keep them",
			"addr", s.addr, "maxmemory_policy", s.policy)
	}
	if s.appendonly == "no" && s.saveKnown && s.save == "" {
		b.log.Warn("jobs: Redis persists nothing (appendonly no, no RDB save points): a restart of the server loses every job; enable appendonly (or save points) to keep them",
			"addr", s.addr)
	}
	return nil
}

// readSettings reads the eviction policy and persistence settings with
// CONFIG GET or, when the server refuses CONFIG, INFO (which shows whether
// AOF is on but not the RDB save points). A server that refuses both
// leaves them empty; a network error is returned.
func readSettings(ctx context.Context, c goredis.Cmdable) (serverSettings, error) {
	var s serverSettings
	names := []struct {
		param string
		dst   *string
	}{{"maxmemory-policy", &s.policy}, {"appendonly", &s.appendonly}, {"save", &s.save}}
	for _, n := range names {
		vals, err := c.ConfigGet(ctx, n.param).Result()
		if err != nil {
			if !isServerError(err) {
				return s, err
			}
			return readInfo(ctx, c)
		}
		v, ok := vals[n.param]
		if !ok {
			return readInfo(ctx, c)
		}
		*n.dst = v
	}
	s.saveKnown = true
	return s, nil
}

// readInfo reads the settings from INFO: maxmemory_policy, and
// aof_enabled for appendonly.
func readInfo(ctx context.Context, c goredis.Cmdable) (serverSettings, error) {
	var s serverSettings
	info, err := c.Info(ctx).Result()
	if err != nil {
		if isServerError(err) {
			return s, nil
		}
		return s, err
	}
	for _, line := range strings.Split(info, "\n") {
		name, value, _ := strings.Cut(strings.TrimSpace(line), ":")
		switch name {
		case "maxmemory_policy":
			s.policy = value
		case "aof_enabled":
			s.appendonly = map[string]string{"0": "no", "1": "yes"}[value]
		}
	}
	return s, nil
}

// isServerError reports whether err is a reply of the server (such as an
// unknown or forbidden command) rather than a failure to reach it.
func isServerError(err error) bool {
	var re goredis.Error
	return errors.As(err, &re)
}
