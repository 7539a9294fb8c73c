package metrics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/metrics"
	"github.com/jobsgo/jobs/runtime"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestPoolCollectorCountsAbandonedHandlers runs a job whose handler ignores
// its context past its timeout and grace: jobs_handlers_abandoned_total
// goes from 0 to 1.
func TestPoolCollectorCountsAbandonedHandlers(t *testing.T) {
	backend := memory.New()
	reg := runtime.NewRegistry()
	release := make(chan struct{})
	defer close(release)
	if err := reg.Register("stuck", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		<-release
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	pool, err := runtime.NewPool(backend, reg, runtime.PoolConfig{
		Queues:       map[string]int{jobs.DefaultQueue: 1},
		JobTimeout:   20 * time.Millisecond,
		TimeoutGrace: 20 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	collector := metrics.NewPoolCollector(pool)
	want := func(n int) string {
		return fmt.Sprintf(`# HELP jobs_handlers_abandoned_total Handlers abandoned because they did not return within the pool's TimeoutGrace after their context ended; their goroutines may still be running.
# TYPE jobs_handlers_abandoned_total counter
jobs_handlers_abandoned_total %d
`, n)
	}
	if err := testutil.CollectAndCompare(collector, strings.NewReader(want(0))); err != nil {
		t.Fatal(err)
	}
	if err := pool.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pool.Shutdown(context.Background()) }()
	job, err := runtime.NewClient(backend).Enqueue(context.Background(), "stuck", nil, jobs.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if got, err := runtime.NewClient(backend).Wait(ctx, job.ID); err != nil || got.State != jobs.StateFailed {
		t.Fatalf("stuck job: %+v, %v; want failed", got, err)
	}
	if err := testutil.CollectAndCompare(collector, strings.NewReader(want(1))); err != nil {
		t.Fatal(err)
	}
}
