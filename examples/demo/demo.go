package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/examples"
	"github.com/jobsgo/jobs/generated"
	"github.com/jobsgo/jobs/runtime"
)

// config is what the command line sets.
type config struct {
	databaseURL string
	logs        io.Writer // the pool's logs; nil discards them
	serveAddr   string    // where to serve the admin API and metrics; "" for nowhere
}

// demoRetry keeps the demo short: retries 100 ms, 200 ms, 400 ms apart.
var demoRetry = jobs.WithRetryPolicy(jobs.RetryPolicy{InitialDelay: 100 * time.Millisecond, Jitter: jobs.NoJitter})

// run plays the scenario and checks that every job ended as expected.
func run(parent context.Context, out io.Writer, cfg config) error {
	ctx, cancel := context.WithTimeout(parent, 60*time.Second)
	defer cancel()
	out = &lockedWriter{w: out} // the watcher and the pool's workers print too
	backend := memory.New()
	middleware := []runtime.Middleware{}
	var srv *server
	if cfg.serveAddr != "" {
		var err error
		if srv, err = serve(out, cfg.serveAddr, backend); err != nil {
			return err
		}
		middleware = append(middleware, srv.metrics.Middleware)
	}
	client := generated.NewClient(runtime.NewClient(backend))
	w := newWatcher(backend, out)
	gateway := &flakyGateway{failures: map[string]int{"invoice:INV-1001": 2}, down: map[string]bool{"invoice:INV-1002": true}}

	fmt.Fprintln(out, "== jobs demo on the in-memory backend")
	tenants, err := setupTenants(ctx, out, cfg.databaseURL)
	if err != nil {
		return err
	}
	defer tenants.close()

	var mu sync.Mutex
	var imageOrder []string
	var cleanups int
	recordImage := func(next runtime.Handler) runtime.Handler {
		return func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
			mu.Lock()
			imageOrder = append(imageOrder, j.Priority.String())
			mu.Unlock()
			return next(ctx, j)
		}
	}
	countCleanup := func(next runtime.Handler) runtime.Handler {
		return func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
			mu.Lock()
			cleanups++
			mu.Unlock()
			w.printf("periodic", j.ID, "tick of schedule %q runs", "cleanup")
			return next(ctx, j)
		}
	}
	reg := runtime.NewRegistry()
	if err := generated.Register(reg, &examples.Billing{Gateway: gateway}, &examples.Reports{Source: demoSales{}},
		generated.WithProcessImageMiddleware(recordImage),
		generated.WithCleanupSessionsMiddleware(countCleanup)); err != nil {
		return err
	}

	// Enqueued before the pool starts, so the one image worker must pick
	// them by priority: critical, high, normal, low.
	fmt.Fprintln(out, "-- four image jobs, lowest priority first, for a queue with one worker")
	for _, p := range []jobs.Priority{jobs.PriorityLow, jobs.PriorityNormal, jobs.PriorityHigh, jobs.PriorityCritical} {
		job, err := client.EnqueueProcessImage(ctx, examples.ProcessImageArgs{SourceKey: "uploads/cat-" + p.String() + ".png", Format: examples.FormatWebP, MaxSide: 640, Width: 4000, Height: 3000},
			jobs.WithPriority(p))
		if err != nil {
			return err
		}
		w.track("image/"+p.String(), job)
	}

	schedules, err := cleanupSchedule()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if cfg.logs != nil {
		logger = slog.New(slog.NewTextHandler(cfg.logs, nil))
	}
	pool, err := runtime.NewPool(backend, reg, runtime.PoolConfig{
		Queues: map[string]int{
			"billing": 2, "emails": 2, "media": 1, "reports": 1, "exports": 1,
			"notifications": 2, jobs.DefaultQueue: 1,
		},
		Middleware:        append(middleware, w.middleware),
		Tenants:           tenants.executor,
		Schedules:         schedules,
		SchedulerInterval: 50 * time.Millisecond,
		Logger:            logger,
	})
	if err != nil {
		return err
	}
	if err := pool.Start(ctx); err != nil {
		return err
	}
	defer pool.Shutdown(context.Background())
	go w.run(ctx)

	fmt.Fprintln(out, "-- the rest of the mix")
	if err := enqueueMix(ctx, client, w); err != nil {
		return err
	}
	if err := tenants.enqueue(ctx, client, w); err != nil {
		return err
	}
	if err := w.waitAll(ctx); err != nil {
		return err
	}

	fmt.Fprintln(out, "-- INV-1002 is in the dead-letter queue; the gateway is fixed and the job retried from there")
	gateway.fix("invoice:INV-1002")
	dead := w.job("invoice/INV-1002")
	if _, err := client.Runtime().RetryDeadLetter(ctx, dead.ID); err != nil {
		return err
	}
	if err := w.waitAll(ctx); err != nil {
		return err
	}
	charge, err := client.WaitChargeInvoice(ctx, dead.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "INV-1002 charged: %s (its typed result)\n", charge.ChargeID)
	for cleanupsSeen(&mu, &cleanups) < 2 {
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return fmt.Errorf("periodic job: %w", err)
		}
	}
	if err := pool.Shutdown(ctx); err != nil {
		return err
	}
	w.stop()

	if err := printStats(ctx, out, backend); err != nil {
		return err
	}
	mu.Lock()
	order := strings.Join(imageOrder, " > ")
	mu.Unlock()
	fmt.Fprintf(out, "image jobs ran in priority order: %s\n", order)
	if srv != nil {
		stopFlow, err := startFlow(parent, out, backend, tenants.executor, middleware)
		if err != nil {
			return err
		}
		if err := errors.Join(srv.wait(parent, out), stopFlow()); err != nil {
			return err
		}
	}
	return errors.Join(
		expectOrder(order),
		w.expect("invoice/INV-1001", jobs.StateCompleted, 3),
		w.expect("invoice/INV-1002", jobs.StateCompleted, 1),
		w.expect("export/cancelled", jobs.StateCancelled, 0),
		w.expect("export/orders", jobs.StateCompleted, 1),
		w.expect("email/welcome", jobs.StateCompleted, 1),
		w.expect("email/invalid", jobs.StateFailed, 1),
		w.expect("report/scheduled", jobs.StateCompleted, 1),
		tenants.check(ctx, w),
	)
}

func cleanupsSeen(mu *sync.Mutex, n *int) int {
	mu.Lock()
	defer mu.Unlock()
	return *n
}

func expectOrder(order string) error {
	if want := "critical > high > normal > low"; order != want {
		return fmt.Errorf("image jobs ran %s, want %s", order, want)
	}
	return nil
}

// enqueueMix enqueues the scenario's jobs besides the image and tenant ones.
func enqueueMix(ctx context.Context, client *generated.Client, w *watcher) error {
	steps := []struct {
		name    string
		enqueue func() (jobs.Job, error)
	}{
		{"invoice/INV-1001", func() (jobs.Job, error) {
			return client.EnqueueChargeInvoice(ctx, examples.ChargeInvoiceArgs{InvoiceID: "INV-1001", Cents: 4999, Currency: "eur"}, demoRetry)
		}},
		{"invoice/INV-1002", func() (jobs.Job, error) {
			return client.EnqueueChargeInvoice(ctx, examples.ChargeInvoiceArgs{InvoiceID: "INV-1002", Cents: 12000, Currency: "usd"}, demoRetry, jobs.WithMaxRetries(2))
		}},
		{"email/welcome", func() (jobs.Job, error) {
			return client.EnqueueSendEmail(ctx, examples.SendEmailArgs{To: "ada@example.com", Subject: "Welcome", Body: "Hello Ada"}, jobs.Unique(time.Hour))
		}},
		{"email/invalid", func() (jobs.Job, error) {
			return client.EnqueueSendEmail(ctx, examples.SendEmailArgs{To: "not-an-address", Subject: "Oops", Body: "?"})
		}},
		{"export/orders", func() (jobs.Job, error) {
			return client.EnqueueBulkExport(ctx, examples.BulkExportArgs{Dataset: "orders", Records: 250000, ChunkSize: 5000})
		}},
		{"report/scheduled", func() (jobs.Job, error) {
			return client.ScheduleGenerateReport(ctx, time.Now().Add(1500*time.Millisecond), examples.ReportArgs{
				From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
		}},
		{"export/cancelled", func() (jobs.Job, error) {
			return client.ScheduleBulkExport(ctx, time.Now().Add(time.Hour), examples.BulkExportArgs{Dataset: "audit", Records: 10, ChunkSize: 5})
		}},
	}
	for _, s := range steps {
		job, err := s.enqueue()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		w.track(s.name, job)
	}

	dup, err := client.EnqueueSendEmail(ctx, examples.SendEmailArgs{To: "ada@example.com", Subject: "Welcome", Body: "Hello Ada"}, jobs.Unique(time.Hour))
	var exists *jobs.UniqueJobExistsError
	if !errors.As(err, &exists) || dup.ID != w.job("email/welcome").ID {
		return fmt.Errorf("second unique welcome email: job %s, err %v; want the first job and ErrUniqueJobExists", dup.ID, err)
	}
	w.printf("email/welcome", dup.ID, "enqueued again: unique, so nothing new (%v)", jobs.ErrUniqueJobExists)

	cancelled, err := client.Runtime().Cancel(ctx, w.job("export/cancelled").ID)
	if err != nil {
		return err
	}
	w.observe("export/cancelled", cancelled)
	return nil
}

// cleanupSchedule is the periodic job: every second.
func cleanupSchedule() ([]runtime.Schedule, error) {
	s, err := generated.PeriodicCleanupSessions("cleanup", "@every 1s", examples.CleanupSessionsArgs{OlderThan: 24 * time.Hour})
	if err != nil {
		return nil, err
	}
	return []runtime.Schedule{s}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// flakyGateway fails some charges on purpose: a number of times, or until
// fixed.
type flakyGateway struct {
	mu       sync.Mutex
	failures map[string]int  // idempotency key -> failures left
	down     map[string]bool // idempotency key -> fails until fixed
}

func (g *flakyGateway) Charge(ctx context.Context, key string, cents int64, currency string) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.down[key] {
		return "", errors.New("gateway: 503 service unavailable")
	}
	if g.failures[key] > 0 {
		g.failures[key]--
		return "", errors.New("gateway: timeout after 10s")
	}
	return "ch_" + strings.TrimPrefix(key, "invoice:"), nil
}

func (g *flakyGateway) fix(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.down, key)
}

// demoSales is a fixed sales ledger.
type demoSales struct{}

func (demoSales) Sales(ctx context.Context, from, to time.Time) ([]examples.Sale, error) {
	return []examples.Sale{
		{Region: "eu", Cents: 120000, At: from.Add(time.Hour)},
		{Region: "us", Cents: 99000, At: from.Add(2 * time.Hour)},
		{Region: "eu", Cents: 45000, At: from.Add(3 * time.Hour)},
	}, nil
}
