// Command faultworker is the worker process of the fault suite: a
// runtime.Pool on the Redis backend whose handlers behave as its flags say
// (sleep, fail, hang, exit) and append every attempt's start and end, and
// every outcome the pool stores, to a ledger file shared with the other
// workers. SIGTERM or SIGINT shuts it down gracefully. See package
// internal/faults.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/jobsgo/jobs"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/jobsgo/jobs/adapters/postgres"
	"github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/internal/faults"
	"github.com/jobsgo/jobs/internal/wallclock"
	"github.com/jobsgo/jobs/runtime"
)

func main() {
	var opts faults.WorkerOptions
	opts.RegisterFlags(flag.CommandLine)
	flag.Parse()
	if err := run(opts); err != nil {
		fmt.Fprintf(os.Stderr, "faultworker: %v\n", err)
		os.Exit(1)
	}
}

func run(opts faults.WorkerOptions) error {
	if opts.RedisURL == "" || opts.Ledger == "" || len(opts.Handlers)+len(opts.TenantHandlers) == 0 {
		return errors.New("-redis, -ledger and at least one -handle or -tenant-handle are required")
	}
	if len(opts.TenantHandlers) > 0 && opts.Database == "" {
		return errors.New("-tenant-handle needs -database")
	}
	ledger, err := faults.OpenLedger(opts.Ledger)
	if err != nil {
		return err
	}
	defer ledger.Close()
	// A wrong host clock, as skewed hosts have: the backend and the pool
	// must decide on the Redis server's clock all the same.
	wallclock.SetOffset(opts.ClockOffset)
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("pid", os.Getpid())
	backendOpts := []redis.Option{redis.WithURL(opts.RedisURL), redis.WithLogger(logger)}
	if opts.AllowEviction {
		backendOpts = append(backendOpts, redis.WithAllowEviction())
	}
	if opts.Prefix != "" {
		backendOpts = append(backendOpts, redis.WithPrefix(opts.Prefix))
	}
	backend, err := redis.New(backendOpts...)
	if err != nil {
		return err
	}
	defer backend.Close()
	registry := runtime.NewRegistry()
	for jobType, behaviour := range opts.Handlers {
		if err := registry.Register(jobType, behaviour.Handler(ledger)); err != nil {
			return err
		}
	}
	var tenants jobs.TenantExecutor
	if opts.Database != "" {
		db, err := sql.Open("pgx", opts.Database)
		if err != nil {
			return err
		}
		defer db.Close()
		conns := opts.DBConns
		if conns == 0 {
			conns = opts.Workers + 2
		}
		db.SetMaxOpenConns(conns)
		tenants = postgres.NewExecutor(db, postgres.NewSQLResolver(db))
	}
	for jobType, behaviour := range opts.TenantHandlers {
		if err := registry.RegisterTenant(jobType, behaviour.TenantHandler(ledger)); err != nil {
			return err
		}
	}
	var retry jobs.RetryPolicy
	if opts.RetryDelay > 0 {
		retry = jobs.RetryPolicy{Backoff: jobs.BackoffConstant, InitialDelay: opts.RetryDelay, MaxDelay: opts.RetryDelay}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := enqueueSchedule(ctx, runtime.NewClient(backend), opts.Schedule, ledger); err != nil {
		return err
	}
	pool, err := runtime.NewPool(faults.NewLedgerBackend(backend, ledger), registry, runtime.PoolConfig{
		Queues:            map[string]int{opts.Queue: opts.Workers},
		Lease:             opts.Lease,
		JobTimeout:        opts.JobTimeout,
		ShutdownTimeout:   opts.ShutdownTimeout,
		SchedulerInterval: opts.SchedulerInterval,
		Retry:             retry,
		Tenants:           tenants,
		TimeoutGrace:      opts.TimeoutGrace,
		Logger:            logger,
	})
	if err != nil {
		return err
	}
	err = pool.Run(ctx)
	fmt.Fprintf(os.Stderr, "faultworker: abandoned handlers: %d\n", pool.AbandonedHandlers())
	return err
}

// enqueueSchedule enqueues the jobs of s, if any, each due s.In after its
// enqueue, recording each in the ledger just before the call, so that the
// event is no later than the time the job's due time is reckoned from.
func enqueueSchedule(ctx context.Context, client *runtime.Client, s faults.Schedule, ledger *faults.LedgerWriter) error {
	for i := range s.Count {
		ledger.Record(faults.EventEnqueue, jobs.Job{ID: s.ID(i)}, jobs.StateScheduled, true)
		if _, err := client.Enqueue(ctx, s.Type, []byte("{}"), jobs.WithJobID(s.ID(i)), jobs.RunIn(s.In)); err != nil {
			return fmt.Errorf("enqueue scheduled job %s: %w", s.ID(i), err)
		}
	}
	return nil
}
