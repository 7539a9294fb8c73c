// Command e2e registers the generated handlers, enqueues through the typed
// client on the memory backend and prints what happened.
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
	"sync/atomic"
	"time"

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
		return func(ctx context.Context, job runtime.Job) (json.RawMessage, error) {
			wrapped.Add(1)
			return next(ctx, job)
		}
	}
	if err := jobs.Register(reg, nil); err == nil {
		return errors.New("Register accepted a nil *app.Counter")
	}
	if err := jobs.Register(reg, counter, jobs.WithGreetMiddleware(mw)); err != nil {
		return err
	}
	pool, err := runtime.NewPool(backend, reg, runtime.PoolConfig{
		Queues:            map[string]int{runtime.DefaultQueue: 2, "greetings": 2, "tenants": 1},
		Tenants:           tenants{},
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
	var enqueued []runtime.Job
	add := func(j runtime.Job, err error) error {
		enqueued = append(enqueued, j)
		return err
	}
	if err := add(c.EnqueueGreet(ctx, app.GreetArgs{Name: "Ada"})); err != nil {
		return err
	}
	if err := add(c.EnqueueGreet(ctx, app.GreetArgs{Name: "Bob"}, runtime.WithPriority(runtime.PriorityLow))); err != nil {
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
	if _, err := c.EnqueueAuditForTenant(ctx, "", app.AuditArgs{}); !errors.Is(err, runtime.ErrInvalidJob) {
		return fmt.Errorf("tenant job without tenant: err = %v", err)
	}
	for _, j := range enqueued {
		done, err := wait(ctx, c.Runtime(), j.ID)
		if err != nil {
			return err
		}
		fmt.Printf("%s queue=%s priority=%s max_retries=%d tenant=%q state=%s attempts=%d result=%s\n",
			j.Type, j.Queue, j.Priority, j.MaxRetries, j.TenantID, done.State, done.Attempt, done.Result)
	}
	fmt.Printf("counter=%d middleware=%d\n", counter.Total(), wrapped.Load())
	return nil
}

func wait(ctx context.Context, c *runtime.Client, id string) (runtime.Job, error) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		j, err := c.Job(ctx, id)
		if err != nil {
			return j, err
		}
		if j.State.Terminal() {
			return j, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return runtime.Job{}, fmt.Errorf("job %s did not finish", id)
}
