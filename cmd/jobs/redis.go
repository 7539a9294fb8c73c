package main

import (
	"context"

	"github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/runtime"
)

// connectRedis opens the Redis backend at url (the adapter's default when
// empty) under prefix (the adapter's default when empty) and checks that it
// answers.
func connectRedis(ctx context.Context, url, prefix string) (runtime.Backend, func() error, error) {
	opts := []redis.Option{redis.WithURL(url)}
	if prefix != "" {
		opts = append(opts, redis.WithPrefix(prefix))
	}
	b, err := redis.New(opts...)
	if err != nil {
		return nil, nil, err
	}
	if err := b.Ping(ctx); err != nil {
		b.Close()
		return nil, nil, err
	}
	return b, b.Close, nil
}
