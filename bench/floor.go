package main

import (
	"context"

	goredis "github.com/redis/go-redis/v9"
)

// floorKey is the list the floor pushes to.
const floorKey = "floorbench:list"

// floor measures the least a job enqueued with one round trip can cost:
// one plain LPUSH per job of a short ID, through go-redis, at the same
// concurrency as the systems' single enqueues. A system's share of it (its
// rate over the floor's) says how much of a round trip it spends on work
// of its own.
type floor struct{ rdb *goredis.Client }

// newFloor returns a floor whose client has a connection for each of up to
// producers producers.
func newFloor(opt *goredis.Options, producers int) *floor {
	o := *opt
	o.PoolSize = max(producers, o.PoolSize)
	return &floor{rdb: goredis.NewClient(&o)}
}

// enqueuer returns the floor's call, one LPUSH of an ID, and what deletes
// the list (see interleavedEnqueues).
func (f *floor) enqueuer() (call func() error, done func()) {
	ctx := context.Background()
	f.rdb.Del(ctx, floorKey)
	const id = "0190b1e2-7c3d-7a4b-8c5d-6e7f8a9b0c1d" // as long as a job ID
	return func() error { return f.rdb.LPush(ctx, floorKey, id).Err() }, func() { f.rdb.Del(ctx, floorKey) }
}

func (f *floor) close() { _ = f.rdb.Close() }
