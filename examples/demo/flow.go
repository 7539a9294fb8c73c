package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/examples"
	"github.com/jobsgo/jobs/generated"
	"github.com/jobsgo/jobs/runtime"
)

// flowEvery is how often the flow enqueues a job while the demo serves.
const flowEvery = 250 * time.Millisecond

// flowQueues are the queues the flow's pool serves, with their workers.
var flowQueues = map[string]int{"billing": 2, "emails": 2, "media": 2, "reports": 1, "exports": 1, jobs.DefaultQueue: 1}

// startFlow keeps jobs flowing through backend while the demo serves the
// dashboard, after the scenario: a pool on the scenario's queues whose
// handlers take 50 ms to 1.5 s, the scenario's periodic job, and a producer
// that enqueues a mix of jobs every flowEvery (some retried, a few dead,
// some scheduled a little later); tenants runs the tenant handler, which
// the flow does not enqueue. stop ends the producer and shuts the
// pool down.
func startFlow(ctx context.Context, out io.Writer, backend jobs.Backend, tenants jobs.TenantExecutor, middleware []runtime.Middleware) (stop func() error, err error) {
	reg := runtime.NewRegistry()
	if err := generated.Register(reg, &examples.Billing{Gateway: randomGateway{}}, &examples.Reports{Source: demoSales{}}); err != nil {
		return nil, err
	}
	schedules, err := cleanupSchedule() // the scenario's, so that it goes on ticking
	if err != nil {
		return nil, err
	}
	pool, err := runtime.NewPool(backend, reg, runtime.PoolConfig{
		Queues:     flowQueues,
		Middleware: append(middleware, workAWhile),
		Schedules:  schedules,
		Tenants:    tenants,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, err
	}
	if err := pool.Start(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { produce(ctx, out, generated.NewClient(runtime.NewClient(backend))) })
	fmt.Fprintf(out, "-- jobs keep flowing: one enqueued every %v, for the dashboard to show\n", flowEvery)
	return func() error {
		cancel()
		wg.Wait()
		shutCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		return pool.Shutdown(shutCtx)
	}, nil
}

// workAWhile makes every handler take 50 ms to 1.5 s, as real work would,
// so that the dashboard shows jobs running.
func workAWhile(next runtime.Handler) runtime.Handler {
	return func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		if err := sleep(ctx, time.Duration(50+rand.IntN(1450))*time.Millisecond); err != nil {
			return nil, err
		}
		return next(ctx, j)
	}
}

// produce enqueues the flow's jobs until ctx is done; the first error of
// each kind is printed.
func produce(ctx context.Context, out io.Writer, client *generated.Client) {
	report := examples.ReportArgs{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	mix := []func(n int) (jobs.Job, error){
		func(n int) (jobs.Job, error) {
			return client.EnqueueSendEmail(ctx, examples.SendEmailArgs{To: fmt.Sprintf("user%d@example.com", n), Subject: "Your receipt", Body: "Thanks"})
		},
		func(n int) (jobs.Job, error) {
			return client.EnqueueChargeInvoice(ctx, examples.ChargeInvoiceArgs{InvoiceID: fmt.Sprintf("INV-%d", 5000+n), Cents: int64(100 + n%9000), Currency: "eur"}, demoRetry)
		},
		func(n int) (jobs.Job, error) {
			return client.EnqueueProcessImage(ctx, examples.ProcessImageArgs{SourceKey: fmt.Sprintf("uploads/photo-%d.png", n), Format: examples.FormatWebP, MaxSide: 640, Width: 4000, Height: 3000},
				jobs.WithPriority(jobs.Priorities[n%len(jobs.Priorities)]))
		},
		func(n int) (jobs.Job, error) {
			if n%5 == 0 { // a permanent failure now and then: a dead letter
				return client.EnqueueSendEmail(ctx, examples.SendEmailArgs{To: "not-an-address", Subject: "Oops", Body: "?"})
			}
			return client.ScheduleGenerateReport(ctx, time.Now().Add(time.Duration(2+n%10)*time.Second), report)
		},
		func(n int) (jobs.Job, error) {
			return client.EnqueueBulkExport(ctx, examples.BulkExportArgs{Dataset: "orders", Records: 1000 + n, ChunkSize: 500})
		},
	}
	tick := time.NewTicker(flowEvery)
	defer tick.Stop()
	printed := map[string]bool{}
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		_, err := mix[n%len(mix)](n / len(mix))
		if err != nil && ctx.Err() == nil && !printed[err.Error()] {
			printed[err.Error()] = true
			fmt.Fprintf(out, "flow: enqueue: %v\n", err)
		}
	}
}

// randomGateway fails a quarter of the charges with a timeout (retried)
// and declines one in twenty cards (a dead letter).
type randomGateway struct{}

// Charge charges, or fails at random.
func (randomGateway) Charge(ctx context.Context, key string, cents int64, currency string) (string, error) {
	switch r := rand.IntN(100); {
	case r < 5:
		return "", examples.ErrCardDeclined
	case r < 30:
		return "", errors.New("gateway: timeout after 10s")
	}
	return "ch_" + key, nil
}
