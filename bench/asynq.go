package main

import (
	"context"
	"log"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	goredis "github.com/redis/go-redis/v9"
)

// asynqBench runs the asynq side with its defaults, queue "bench".
type asynqBench struct {
	opt asynq.RedisClientOpt
	rdb *goredis.Client
}

func newAsynq(opt asynq.RedisClientOpt, rdb *goredis.Client) *asynqBench {
	return &asynqBench{opt: opt, rdb: rdb}
}

// reset deletes asynq's keys.
func (a *asynqBench) reset() { unlinkMatching(a.rdb, "asynq:*") }

func (a *asynqBench) task() *asynq.Task { return asynq.NewTask("noop", []byte(`{"n":1}`)) }

// server starts a server of *workers on queue "bench" whose no-op handler
// calls onRun.
func (a *asynqBench) server(onRun func()) func() {
	srv := asynq.NewServer(a.opt, asynq.Config{
		Concurrency: *workers,
		Queues:      map[string]int{"bench": 1},
		LogLevel:    asynq.FatalLevel,
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc("noop", func(context.Context, *asynq.Task) error {
		onRun()
		return nil
	})
	if err := srv.Start(mux); err != nil {
		log.Fatal(err)
	}
	return srv.Shutdown
}

func (a *asynqBench) fill(n int) {
	c := asynq.NewClient(a.opt)
	defer c.Close()
	parallel(n, fillProducers, func(int) {
		if _, err := c.Enqueue(a.task(), asynq.Queue("bench")); err != nil {
			log.Fatal(err)
		}
	})
}

func (a *asynqBench) drain(n int) float64 {
	a.reset()
	a.fill(n)
	var done atomic.Int64
	finished := make(chan struct{})
	m, start := startCPU(), time.Now()
	stop := a.server(func() {
		if done.Add(1) == int64(n) {
			close(finished)
		}
	})
	<-finished
	took := time.Since(start)
	m.stop("asynq drain", n)
	stop()
	return float64(n) / took.Seconds()
}

// enqueuer returns an Enqueue call on a fresh client, after deleting
// asynq's keys, and what closes it (see interleavedEnqueues).
func (a *asynqBench) enqueuer() (call func() error, done func()) {
	a.reset()
	c := asynq.NewClient(a.opt)
	return func() error {
		_, err := c.Enqueue(a.task(), asynq.Queue("bench"))
		return err
	}, func() { _ = c.Close() }
}

func (a *asynqBench) latency(n int) (float64, float64) {
	a.reset()
	c := asynq.NewClient(a.opt)
	defer c.Close()
	ran := make(chan time.Time, 1)
	stop := a.server(func() { ran <- time.Now() })
	defer stop()
	time.Sleep(200 * time.Millisecond)
	var ds []time.Duration
	for range n {
		start := time.Now()
		if _, err := c.Enqueue(a.task(), asynq.Queue("bench")); err != nil {
			log.Fatal(err)
		}
		ds = append(ds, (<-ran).Sub(start))
		time.Sleep(5 * time.Millisecond)
	}
	return percentiles(ds)
}

func (a *asynqBench) memory(n int) float64 {
	a.reset()
	before := usedMemory(a.rdb)
	a.fill(n)
	used := usedMemory(a.rdb) - before
	a.reset()
	return float64(used) / float64(n)
}
