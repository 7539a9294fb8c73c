package redis

import (
	"context"
	"fmt"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

func BenchmarkEnqueue(b *testing.B) {
	be := newTestBackend(b, nil)
	ctx := context.Background()
	clock := runtime.SystemClock{}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			j, err := jobs.NewJob("bench", []byte(`{"n":1}`), jobs.EnqueueOptions{}, clock.Now())
			if err != nil {
				b.Fatal(err)
			}
			if err := be.Enqueue(ctx, j); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEnqueueBatch1000(b *testing.B) {
	be := newTestBackend(b, nil)
	ctx := context.Background()
	clock := runtime.SystemClock{}
	batch := make([]jobs.Job, 1000)
	for b.Loop() {
		for i := range batch {
			batch[i], _ = jobs.NewJob("bench", []byte(`{"n":1}`), jobs.EnqueueOptions{}, clock.Now())
		}
		if err := be.Enqueue(ctx, batch...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "jobs/s")
}

// BenchmarkDequeueAck leases jobs 16 at a time and completes each, from
// parallel workers; every op is one job.
func BenchmarkDequeueAck(b *testing.B) {
	be := newTestBackend(b, nil)
	ctx := context.Background()
	clock := runtime.SystemClock{}
	// Each parallel worker may hold a batch it never acks when b.N runs out.
	for left := b.N + 16*goruntime.GOMAXPROCS(0); left > 0; left -= 1000 {
		batch := make([]jobs.Job, min(left, 1000))
		for i := range batch {
			batch[i], _ = jobs.NewJob("bench", nil, jobs.ResolveEnqueueOptions(jobs.WithJobID(fmt.Sprint("j", left, "-", i))), clock.Now())
		}
		if err := be.Enqueue(ctx, batch...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var held []jobs.Job
		for pb.Next() {
			if len(held) == 0 {
				qctx, cancel := context.WithTimeout(ctx, time.Second)
				list, err := be.Dequeue(qctx, jobs.DefaultQueue, 16, time.Minute)
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				held = list
			}
			done, _ := held[0].Complete(nil, clock.Now())
			held = held[1:]
			if err := be.Ack(ctx, done); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkServerCost measures what the Redis server spends per job on the
// script calls of a busy system, with no other client on the server:
// worker cycles (cycle.lua, 20 outcomes stored and 20 jobs leased per
// call), with and without completed-job retention, single-job enqueues
// (one per call, what a lone producer makes) and enqueues of 4 jobs per
// call. It reports server-µs/job, the
// EVALSHA time of INFO commandstats. Run against a redis-server started
// under valgrind --tool=callgrind, the instructions callgrind counts per
// job are the steadier figure on a shared machine.
func BenchmarkServerCost(b *testing.B) {
	b.Run("cycle", func(b *testing.B) { benchCycle(b, newTestBackend(b, nil)) })
	b.Run("cycle-keep-none", func(b *testing.B) { benchCycle(b, newTestBackend(b, nil, WithCompletedLimit(0))) })
	b.Run("enqueue-1", func(b *testing.B) {
		be := newTestBackend(b, nil)
		ctx := context.Background()
		start := evalMicros(b, be)
		for b.Loop() {
			j, _ := jobs.NewJob("bench", []byte(`{"n":1}`), jobs.EnqueueOptions{}, time.Now())
			if err := be.Enqueue(ctx, j); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((evalMicros(b, be)-start)/float64(b.N), "server-µs/job")
	})
	b.Run("enqueue-4", func(b *testing.B) {
		be := newTestBackend(b, nil)
		ctx := context.Background()
		batch := make([]jobs.Job, 4)
		start := evalMicros(b, be)
		for b.Loop() {
			for i := range batch {
				batch[i], _ = jobs.NewJob("bench", []byte(`{"n":1}`), jobs.EnqueueOptions{}, time.Now())
			}
			if err := be.enqueue(ctx, batch...); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((evalMicros(b, be)-start)/float64(b.N*len(batch)), "server-µs/job")
	})
}

// benchCycle runs worker cycles of 20 jobs on be, one job per op.
func benchCycle(b *testing.B, be *Backend) {
	const per = 20
	ctx := context.Background()
	k := be.queue(jobs.DefaultQueue)
	for left := b.N + per; left > 0; left -= 1000 {
		batch := make([]jobs.Job, min(left, 1000))
		for i := range batch {
			batch[i], _ = jobs.NewJob("bench", []byte(`{"n":1}`), jobs.EnqueueOptions{}, time.Now())
		}
		if err := be.Enqueue(ctx, batch...); err != nil {
			b.Fatal(err)
		}
	}
	t, err := be.take(ctx, k, per, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	held, done := t.jobs, 0
	start := evalMicros(b, be)
	b.ResetTimer()
	for done < b.N {
		changes := make([]change, len(held))
		for i, j := range held {
			c, _ := j.Complete(nil, time.Now())
			if changes[i], err = be.ackChange(c); err != nil {
				b.Fatal(err)
			}
		}
		_, t, err := be.cycle(ctx, k, changes, per, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		done += len(held)
		held = t.jobs
	}
	b.ReportMetric((evalMicros(b, be)-start)/float64(done), "server-µs/job")
}

// evalMicros is the server's total EVALSHA time so far, in microseconds.
func evalMicros(b *testing.B, be *Backend) float64 {
	info, err := be.client.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_evalsha:"); ok {
			for _, kv := range strings.Split(rest, ",") {
				if v, ok := strings.CutPrefix(kv, "usec="); ok {
					us, _ := strconv.ParseFloat(v, 64)
					return us
				}
			}
		}
	}
	return 0
}
