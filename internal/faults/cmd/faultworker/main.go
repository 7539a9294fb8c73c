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
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/jobsgo/jobs/adapters/postgres"
	"github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/internal/faults"
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

// offsetClock is the system clock moved by a fixed offset.
type offsetClock time.Duration

func (c offsetClock) Now() time.Time { return time.Now().Add(time.Duration(c)) }

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
	clock := offsetClock(opts.ClockOffset)
	backendOpts := []redis.Option{redis.WithURL(opts.RedisURL), redis.WithClock(clock)}
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
	var tenants runtime.TenantExecutor
	if opts.Database != "" {
		db, err := sql.Open("pgx", opts.Database)
		if err != nil {
			return err
		}
		defer db.Close()
		db.SetMaxOpenConns(opts.Workers + 2)
		tenants = postgres.NewExecutor(db, postgres.NewSQLResolver(db))
	}
	for jobType, behaviour := range opts.TenantHandlers {
		if err := registry.RegisterTenant(jobType, behaviour.TenantHandler(ledger)); err != nil {
			return err
		}
	}
	var retry runtime.RetryPolicy
	if opts.RetryDelay > 0 {
		retry = runtime.RetryPolicy{Backoff: runtime.BackoffConstant, InitialDelay: opts.RetryDelay, MaxDelay: opts.RetryDelay}
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("pid", os.Getpid())
	pool, err := runtime.NewPool(faults.NewLedgerBackend(backend, ledger), registry, runtime.PoolConfig{
		Queues:            map[string]int{opts.Queue: opts.Workers},
		Lease:             opts.Lease,
		JobTimeout:        opts.JobTimeout,
		ShutdownTimeout:   opts.ShutdownTimeout,
		SchedulerInterval: opts.SchedulerInterval,
		Retry:             retry,
		Tenants:           tenants,
		Logger:            logger,
		Clock:             clock,
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return pool.Run(ctx)
}
