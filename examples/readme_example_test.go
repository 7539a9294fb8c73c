package examples_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"
	_ "time/tzdata" // Example_features loads Europe/Paris on any machine

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/examples"
	"github.com/jobsgo/jobs/generated"
	"github.com/jobsgo/jobs/runtime"
)

// okGateway approves every charge.
type okGateway struct{}

func (okGateway) Charge(ctx context.Context, key string, cents int64, currency string) (string, error) {
	return "ch_1", nil
}

type fixedSales struct{}

func (fixedSales) Sales(ctx context.Context, from, to time.Time) ([]examples.Sale, error) {
	return nil, nil
}

// Example_workers registers the generated handlers and runs a pool, as the
// worker program of the README's "Run workers" section does.
func Example_workers() {
	ctx := context.Background()
	backend := memory.New()
	registry := runtime.NewRegistry()
	err := generated.Register(registry,
		&examples.Billing{Gateway: okGateway{}}, // method handlers get their receivers injected
		&examples.Reports{Source: fixedSales{}})
	if err != nil {
		log.Fatal(err)
	}
	pool, err := runtime.NewPool(backend, registry, runtime.PoolConfig{
		Queues:     map[string]int{"billing": 10, "emails": 5, "reports": 2, "media": 2, "exports": 1, "default": 1},
		Middleware: []runtime.Middleware{runtime.Logging(slog.New(slog.NewTextHandler(os.Stderr, nil)))},
		Tenants:    noTenants{}, // postgres.NewExecutor(db, resolver) for tenant handlers
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := pool.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer pool.Shutdown(ctx) // waits for running jobs, leaves the rest queued

	client := generated.NewClient(runtime.NewClient(backend))
	job, err := client.EnqueueChargeInvoice(ctx, examples.ChargeInvoiceArgs{InvoiceID: "INV-7", Cents: 100, Currency: "EUR"})
	if err != nil {
		log.Fatal(err)
	}
	done, err := client.Runtime().Wait(ctx, job.ID)
	fmt.Println(done.State, string(done.Result), err)
	// Output: completed {"charge_id":"ch_1"} <nil>
}

// Example_enqueue is the README's "Enqueue" section.
func Example_enqueue() {
	if err := readmeEnqueue(context.Background(), memory.New()); err != nil {
		log.Fatal(err)
	}
	// Output: duplicate suppressed; existing job returned
}

// readmeEnqueue holds the code README.md quotes between the markers (a
// test checks that it still does), in the scope the README states.
func readmeEnqueue(ctx context.Context, backend jobs.Backend) error {
	// README: enqueue
	client := generated.NewClient(runtime.NewClient(backend))

	// Typed args; the annotation's queue, priority and retries apply.
	if _, err := client.EnqueueSendEmail(ctx, examples.SendEmailArgs{To: "ada@example.com", Subject: "Welcome"}); err != nil {
		return err
	}

	// Caller options override the annotation's defaults.
	_, err := client.EnqueueSendEmail(ctx, examples.SendEmailArgs{To: "bob@example.com", Subject: "Hi"},
		jobs.WithPriority(jobs.PriorityCritical), jobs.WithMaxRetries(10),
		jobs.WithMetadata("request_id", "r-42"))
	if err != nil {
		return err
	}

	// Scheduled, delayed and tenant-scoped jobs.
	_, err = client.ScheduleGenerateReport(ctx, time.Now().Add(time.Hour), examples.ReportArgs{
		From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	_, err = client.EnqueueBulkExport(ctx, examples.BulkExportArgs{Dataset: "orders", Records: 1000, ChunkSize: 100},
		jobs.RunIn(30*time.Second))
	if err != nil {
		return err
	}
	_, err = client.EnqueueNotifyUsersForTenant(ctx, "acme", examples.NotifyUsersArgs{UserIDs: []int64{1}, Kind: "welcome"})
	if err != nil {
		return err
	}

	// Unique by type + args while the first job is active: no duplicate.
	welcome := examples.SendEmailArgs{To: "cy@example.com", Subject: "Welcome"}
	first, err := client.EnqueueSendEmail(ctx, welcome, jobs.Unique(0))
	if err != nil {
		return err
	}
	again, err := client.EnqueueSendEmail(ctx, welcome, jobs.Unique(0))
	if errors.Is(err, jobs.ErrUniqueJobExists) && again.ID == first.ID {
		fmt.Println("duplicate suppressed; existing job returned")
	}
	// README: end
	return nil
}

// noTenants refuses tenant jobs: this example has no database.
type noTenants struct{}

func (noTenants) RunInTenant(ctx context.Context, tenantID string, fn func(context.Context, *sql.Tx) error) error {
	return fmt.Errorf("tenant %s: %w (no database in this example)", tenantID, jobs.ErrTenantNotFound)
}

// Example_features is the README's sections on periodic jobs, typed
// results and cancellation.
func Example_features() {
	ctx := context.Background()
	backend := memory.New()
	registry := runtime.NewRegistry()
	if err := generated.Register(registry, &examples.Billing{Gateway: okGateway{}}, &examples.Reports{Source: fixedSales{}}); err != nil {
		log.Fatal(err)
	}
	client := generated.NewClient(runtime.NewClient(backend))
	if err := readmeFeatures(ctx, backend, registry, client); err != nil {
		log.Fatal(err)
	}
	// Output:
	// charged: ch_1
	// cancelled
}

// readmeFeatures holds the code README.md quotes between the markers, in
// the scope the README states.
func readmeFeatures(ctx context.Context, backend jobs.Backend, registry *runtime.Registry, client *generated.Client) error {
	// README: periodic
	// Every day at 03:00 Paris time, one job per tick however many processes run it.
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return err
	}
	nightly, err := generated.PeriodicCleanupSessions("nightly-cleanup", "0 3 * * *",
		examples.CleanupSessionsArgs{OlderThan: 30 * 24 * time.Hour})
	if err != nil {
		return err
	}
	nightly.Location = paris
	nightly.Missed = runtime.RunMissedOnce // run once at start-up if a tick was missed
	pool, err := runtime.NewPool(backend, registry, runtime.PoolConfig{
		Queues:    map[string]int{"billing": 4, "default": 1},
		Schedules: []runtime.Schedule{nightly},
		Tenants:   noTenants{},
	})
	if err != nil {
		return err
	}
	// README: end
	if err := pool.Start(ctx); err != nil {
		return err
	}
	defer pool.Shutdown(ctx)

	// README: results
	job, err := client.EnqueueChargeInvoice(ctx, examples.ChargeInvoiceArgs{InvoiceID: "INV-9", Cents: 500, Currency: "EUR"})
	if err != nil {
		return err
	}
	charge, err := client.WaitChargeInvoice(ctx, job.ID) // typed: examples.ChargeResult
	var failed *jobs.JobFailedError
	switch {
	case errors.As(err, &failed):
		fmt.Println("charge failed:", failed.Job.Error.Message)
	case err != nil:
		return err
	default:
		fmt.Println("charged:", charge.ChargeID)
	}
	// README: end

	// README: cancel
	later, err := client.ScheduleGenerateReport(ctx, time.Now().Add(time.Hour), examples.ReportArgs{
		From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	// Pending, scheduled and retrying jobs never run; a running job's handler
	// sees ctx cancelled (context.Cause(ctx) == jobs.ErrJobCancelled).
	cancelled, err := client.Runtime().Cancel(ctx, later.ID)
	if err != nil {
		return err
	}
	fmt.Println(cancelled.State)
	// README: end
	return nil
}
