// Command demo runs a realistic mix of jobs on the embedded in-memory
// backend and prints every state change, then the final statistics:
//
//	go run ./examples/demo
//
// It enqueues jobs of all four priorities, a scheduled job, a job that fails
// twice and then succeeds, one that exhausts its retries into the
// dead-letter queue (and is retried from there), a cancelled job, a unique
// job enqueued twice and a periodic job. With DATABASE_URL set to a
// PostgreSQL URL it also runs tenant jobs, each inside its tenant's schema.
// It exits 0 when every job ended as the scenario expects. With -serve :8080
// it also serves the admin API, the dashboard and Prometheus metrics, and
// after the scenario keeps jobs flowing (a job enqueued every 250 ms, some
// retried, a few dead) until interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.databaseURL, "database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL for the tenant jobs (default $DATABASE_URL; empty skips them)")
	flag.StringVar(&cfg.serveAddr, "serve", "", "serve the admin API and /metrics on this address (e.g. :8080) and keep running until Ctrl-C")
	verbose := flag.Bool("v", false, "print the worker pool's logs to stderr")
	flag.Parse()
	if *verbose {
		cfg.logs = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}
