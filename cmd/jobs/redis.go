package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/runtime"
)

// connectRedis opens the Redis backend of t and runs its Preflight: the
// server must answer, and keep what it stores (redis.ErrEvictionPolicy
// unless t.allowEviction).
func connectRedis(ctx context.Context, t target) (runtime.Backend, func() error, error) {
	opts := []redis.Option{redis.WithLogger(t.log)}
	if t.url != "" {
		opts = append(opts, redis.WithURL(t.url))
	}
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
