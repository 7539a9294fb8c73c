// Command e2e registers the generated handlers, enqueues through the typed
// client on the memory backend (one by one, scheduled, in a batch and from a
// periodic schedule), and prints what happened and the typed results.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	kernel "github.com/jobsgo/jobs"

	"example.com/e2e/app"
	"example.com/e2e/jobs"

	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
)

type tenants struct{}

func (tenants) RunInTenant(ctx context.Context, tenantID string, fn func(context.Context, *sql.Tx) error) error {
	return fn(ctx, nil)
}

func main() {
	if err := run(); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	backend := memory.New()
	reg := runtime.NewRegistry()
	counter := &app.Counter{}
	var wrapped atomic.Int32
	mw := func(next runtime.Handler) runtime.Handler {
		return func(ctx context.Context, job kernel.Job) (json.RawMessage, error) {
			wrapped.Add(1)
			return next(ctx, job)
		}
	}
	if err := jobs.Register(reg, nil); err == nil {
		return errors.New("Register accepted a nil *app.Counter")
	}
	ticks := make(chan string, 10)
	tick := func(next runtime.Handler) runtime.Handler {
		return func(ctx context.Context, job kernel.Job) (json.RawMessage, error) {
			if strings.HasPrefix(job.ID, "periodic:") {
				select {
				case ticks <- job.ID:
				default:
				}
			}
			return next(ctx, job)
		}
	}
	if err := jobs.Register(reg, counter, jobs.WithGreetMiddleware(mw), jobs.WithAuditMiddleware(tick)); err != nil {
		return err
	}
	if _, err := jobs.PeriodicAuditForTenant("audit-tick", "@every 1s", "", app.AuditArgs{}); !errors.Is(err, kernel.ErrInvalidJob) {
		return fmt.Errorf("periodic tenant job without tenant: err = %v", err)
	}
	schedule, err := jobs.PeriodicAuditForTenant("audit-tick", "@every 1s", "acme", app.AuditArgs{Event: "tick"})
	if err != nil {
		return err
	}
	pool, err := runtime.NewPool(backend, reg, runtime.PoolConfig{
		Queues:            map[string]int{kernel.DefaultQueue: 2, "greetings": 2, "tenants": 1},
		Tenants:           tenants{},
		Schedules:         []runtime.Schedule{schedule},
		SchedulerInterval: 5 * time.Millisecond,
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return err
	}
	if err := pool.Start(ctx); err != nil {
		return err
	}
	defer pool.Shutdown(ctx)

	c := jobs.NewClient(runtime.NewClient(backend))
	var enqueued []kernel.Job
	add := func(j kernel.Job, err error) error {
		enqueued = append(enqueued, j)
		return err
	}
	if err := add(c.EnqueueGreet(ctx, app.GreetArgs{Name: "Ada"})); err != nil {
		return err
	}
	if err := add(c.EnqueueGreet(ctx, app.GreetArgs{Name: "Bob"}, kernel.WithPriority(kernel.PriorityLow))); err != nil {
		return err
	}
	if err := add(c.ScheduleGreet(ctx, time.Now().Add(30*time.Millisecond), app.GreetArgs{Name: "Later"})); err != nil {
		return err
	}
	if err := add(c.EnqueueCount(ctx, app.CountArgs{N: 5, FailTimes: 2})); err != nil {
		return err
	}
	if err := add(c.EnqueueAuditForTenant(ctx, "acme", app.AuditArgs{Event: "login"})); err != nil {
		return err
	}
	if _, err := c.EnqueueAuditForTenant(ctx, "", app.AuditArgs{}); !errors.Is(err, kernel.ErrInvalidJob) {
		return fmt.Errorf("tenant job without tenant: err = %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for _, j := range enqueued {
		done, err := c.Runtime().Wait(ctx, j.ID)
		if err != nil {
			return err
		}
		fmt.Printf("%s queue=%s priority=%s max_retries=%d tenant=%q state=%s attempts=%d result=%s\n",
			j.Type, j.Queue, j.Priority, j.MaxRetries, j.TenantID, done.State, done.Attempt, done.Result)
	}
	if err := typedResults(ctx, c, enqueued); err != nil {
		return err
	}
	select {
	case id := <-ticks:
		res, err := c.WaitAudit(ctx, id)
		if err != nil {
			return err
		}
		fmt.Printf("periodic: job %s... result=%+v\n", id[:len("periodic:audit-tick:")], res)
	case <-ctx.Done():
		return errors.New("no periodic audit job ran")
	}
	fmt.Printf("counter=%d middleware=%d\n", counter.Total(), wrapped.Load())
	return nil
}

// typedResults reads the results of the jobs enqueued (greet, greet, greet,
// count, audit) with the typed ResultX and WaitX methods, then enqueues a
// batch, a job that fails and one that has not run yet.
func typedResults(ctx context.Context, c *jobs.Client, enqueued []kernel.Job) error {
	greeting, err := c.WaitGreet(ctx, enqueued[0].ID)
	if err != nil {
		return err
	}
	again, err := c.ResultGreet(ctx, enqueued[1].ID)
	if err != nil {
		return err
	}
	if err := c.WaitCount(ctx, enqueued[3].ID); err != nil {
		return err
	}
	audit, err := c.ResultAudit(ctx, enqueued[4].ID)
	if err != nil {
		return err
	}
	fmt.Printf("typed: %q %q count=ok audit=%+v\n", greeting.Text, again.Text, audit)

	batch, err := c.EnqueueGreetBatch(ctx, []app.GreetArgs{{Name: "Cy"}, {Name: "Di"}}, kernel.WithPriority(kernel.PriorityLow))
	if err != nil {
		return err
	}
	for _, j := range batch {
		g, err := c.WaitGreet(ctx, j.ID)
		if err != nil {
			return err
		}
		fmt.Printf("batch: %s queue=%s priority=%s %q\n", j.Type, j.Queue, j.Priority, g.Text)
	}

	failing, err := c.EnqueueCount(ctx, app.CountArgs{N: 1, FailTimes: 1000}, kernel.WithMaxRetries(0))
	if err != nil {
		return err
	}
	var failed *kernel.JobFailedError
	if err := c.WaitCount(ctx, failing.ID); !errors.As(err, &failed) || !errors.Is(err, kernel.ErrJobFailed) {
		return fmt.Errorf("WaitCount of a failing job: err = %v, want a *kernel.JobFailedError", err)
	}
	fmt.Printf("failed: state=%s error=%q\n", failed.Job.State, failed.Job.Error.Message)

	later, err := c.ScheduleGreet(ctx, time.Now().Add(time.Hour), app.GreetArgs{Name: "Never"})
	if err != nil {
		return err
	}
	if _, err := c.ResultGreet(ctx, later.ID); !errors.Is(err, kernel.ErrJobNotFinished) {
		return fmt.Errorf("ResultGreet of a scheduled job: err = %v, want ErrJobNotFinished", err)
	}
	return nil
}
