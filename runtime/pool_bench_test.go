package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
)

// BenchmarkPoolThroughput measures enqueue + process on the memory backend:
// producers enqueue b.N no-op jobs while a 16-worker pool runs them; the
// clock stops when the last one has completed.
func BenchmarkPoolThroughput(b *testing.B) {
	for _, producers := range []int{1, 8} {
		b.Run(fmt.Sprintf("producers=%d", producers), func(b *testing.B) {
			backend := memory.New()
			client := runtime.NewClient(backend)
			reg := runtime.NewRegistry()
			var done atomic.Int64
			finished := make(chan struct{})
			target := int64(b.N)
			if err := reg.Register("noop", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
				if done.Add(1) == target {
					close(finished)
				}
				return nil, nil
			}); err != nil {
				b.Fatal(err)
			}
			pool, err := runtime.NewPool(backend, reg, runtime.PoolConfig{
				Queues: map[string]int{jobs.DefaultQueue: 16},
				Logger: quietLogger(),
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := pool.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			defer func() { _ = pool.Shutdown(context.Background()) }()
			args := json.RawMessage(`{"id":42}`)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			var next atomic.Int64
			errs := make(chan error, producers)
			for p := 0; p < producers; p++ {
				go func() {
					for next.Add(1) <= target {
						if _, err := client.Enqueue(context.Background(), "noop", args); err != nil {
							errs <- err
							return
						}
					}
					errs <- nil
				}()
			}
			for p := 0; p < producers; p++ {
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
			}
			<-finished
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
		})
	}
}
