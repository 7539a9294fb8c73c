package redis

import (
	"context"
	"fmt"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/jobsgo/jobs/runtime"
)

func BenchmarkEnqueue(b *testing.B) {
	be := newTestBackend(b, nil)
	ctx := context.Background()
	clock := runtime.SystemClock{}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			j, err := runtime.NewJob("bench", []byte(`{"n":1}`), runtime.EnqueueOptions{}, clock.Now())
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
	batch := make([]runtime.Job, 1000)
	for b.Loop() {
		for i := range batch {
			batch[i], _ = runtime.NewJob("bench", []byte(`{"n":1}`), runtime.EnqueueOptions{}, clock.Now())
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
		batch := make([]runtime.Job, min(left, 1000))
		for i := range batch {
			batch[i], _ = runtime.NewJob("bench", nil, runtime.ResolveEnqueueOptions(runtime.WithJobID(fmt.Sprint("j", left, "-", i))), clock.Now())
		}
		if err := be.Enqueue(ctx, batch...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var held []runtime.Job
		for pb.Next() {
			if len(held) == 0 {
				qctx, cancel := context.WithTimeout(ctx, time.Second)
				jobs, err := be.Dequeue(qctx, runtime.DefaultQueue, 16, time.Minute)
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				held = jobs
			}
			done, _ := held[0].Complete(nil, clock.Now())
			held = held[1:]
			if err := be.Ack(ctx, done); err != nil {
				b.Fatal(err)
			}
		}
	})
}
