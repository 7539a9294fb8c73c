package memory_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
)

// roundTrip enqueues one job, leases it and acknowledges its completion.
func roundTrip(ctx context.Context, backend *memory.Backend, job jobs.Job) error {
	if err := backend.Enqueue(ctx, job); err != nil {
		return err
	}
	batch, err := backend.Dequeue(ctx, jobs.DefaultQueue, 1, time.Minute)
	if err != nil {
		return err
	}
	done, err := batch[0].Complete(nil, time.Now())
	if err != nil {
		return err
	}
	return backend.Ack(ctx, done)
}

// BenchmarkRoundTrip measures enqueue + dequeue + ack, one job at a time,
// from one goroutine and from GOMAXPROCS goroutines sharing a queue.
func BenchmarkRoundTrip(b *testing.B) {
	template, err := jobs.NewJob("bench", []byte(`{"n":1}`), jobs.EnqueueOptions{}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	next := func() jobs.Job {
		j := template
		j.ID = "job-" + strconv.FormatInt(seq.Add(1), 10)
		return j
	}
	b.Run("single", func(b *testing.B) {
		backend, ctx := memory.New(), context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if err := roundTrip(ctx, backend, next()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
	})
	b.Run("parallel", func(b *testing.B) {
		backend, ctx := memory.New(), context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := roundTrip(ctx, backend, next()); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
	})
}
