package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis"
)

// serverOptions are the options of redis.New that name the deployment of t:
// a URL, cluster seed addresses or Sentinel. redis.New refuses more than
// one.
func serverOptions(t target) ([]redis.Option, error) {
	var opts []redis.Option
	if t.url != "" {
		opts = append(opts, redis.WithURL(t.url))
	}
	if t.cluster != "" {
		opts = append(opts, redis.WithClusterAddrs(strings.Split(t.cluster, ",")...))
	}
	if t.sentinel != "" {
		master, addrs, ok := strings.Cut(t.sentinel, "@")
		if !ok || master == "" || addrs == "" {
			return nil, fmt.Errorf("--sentinel %q: want master-name@host:port,host:port,...", t.sentinel)
		}
		opts = append(opts, redis.WithSentinel(master, strings.Split(addrs, ",")...))
	}
	return opts, nil
}

// connectRedis opens the Redis backend of t and runs its Preflight: the
// server must answer, and keep what it stores (redis.ErrEvictionPolicy
// unless t.allowEviction).
func connectRedis(ctx context.Context, t target) (jobs.Backend, func() error, error) {
	opts, err := serverOptions(t)
	if err != nil {
		return nil, nil, err
	}
	opts = append(opts, redis.WithLogger(t.log))
	if t.prefix != "" {
		opts = append(opts, redis.WithPrefix(t.prefix))
	}
	if t.allowEviction {
		opts = append(opts, redis.WithAllowEviction())
	}
	b, err := redis.New(opts...)
	if err != nil {
		return nil, nil, err
	}
	if err := b.Preflight(ctx); err != nil {
		b.Close()
		if errors.Is(err, redis.ErrEvictionPolicy) {
			err = fmt.Errorf("%w (on the command line: --allow-eviction)", err)
		}
		return nil, nil, err
	}
	return b, b.Close, nil
}
