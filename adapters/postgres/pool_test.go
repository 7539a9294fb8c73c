package postgres

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/adapters/redis/redistest"
	"github.com/jobsgo/jobs/runtime"
)

// noteArgs are the arguments of the pool test's tenant job.
type noteArgs struct {
	Note string `json:"note"`
	Fail string `json:"fail,omitempty"` // "error" or "panic" after writing
}

// TestExecutorInWorkerPool runs tenant jobs through a real worker pool
// configured with an Executor, on each backend: tenant execution belongs to
// the pool, so it must not depend on where the jobs are stored.
func TestExecutorInWorkerPool(t *testing.T) {
	t.Parallel()
	backends := []struct {
		name string
		new  func(t *testing.T) jobs.Backend
	}{
		{"memory", func(*testing.T) jobs.Backend { return memory.New() }},
		{"redis", func(t *testing.T) jobs.Backend {
			b, _ := redistest.New(t)
			return b
		}},
	}
	for _, bc := range backends {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			testExecutorInWorkerPool(t, bc.new(t))
		})
	}
}

func testExecutorInWorkerPool(t *testing.T, backend jobs.Backend) {
	f := newFixture(t)
	ctx := context.Background()
	registry := runtime.NewRegistry()
	err := registry.RegisterTenant("note", runtime.TypedTenantHandlerNoResult(
		func(ctx context.Context, tx *sql.Tx, a noteArgs) error {
			if _, ok := jobs.TenantIDFromContext(ctx); !ok {
				t.Error("the handler's context has no tenant ID")
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO items (note) VALUES ($1)", a.Note); err != nil {
				return err
			}
			switch a.Fail {
			case "error":
				return jobs.SkipRetry(errors.New("handler failed"))
			case "panic":
				panic("handler panicked")
			}
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := runtime.NewPool(backend, registry, runtime.PoolConfig{
		Queues:  map[string]int{"default": 4},
		Tenants: NewExecutor(f.db, NewCachedResolver(f.resolver(f.db), time.Minute)),
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer pool.Shutdown(ctx)

	client := runtime.NewClient(backend)
	type want struct {
		state   jobs.State
		errType string
	}
	cases := []struct {
		tenant string
		args   noteArgs
		want   want
	}{
		{tenantA, noteArgs{Note: "from-a"}, want{jobs.StateCompleted, ""}},
		{tenantB, noteArgs{Note: "from-b"}, want{jobs.StateCompleted, ""}},
		{tenantA, noteArgs{Note: "a-error", Fail: "error"}, want{jobs.StateFailed, ""}},
		{tenantB, noteArgs{Note: "b-panic", Fail: "panic"}, want{jobs.StateFailed, jobs.ErrorTypePanic}},
		{"ten-missing", noteArgs{Note: "missing"}, want{jobs.StateFailed, jobs.ErrorTypeTenant}},
		{tenantDisabled, noteArgs{Note: "disabled"}, want{jobs.StateFailed, jobs.ErrorTypeTenant}},
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		job, err := runtime.EnqueueValue(ctx, client, "note", c.args, jobs.ForTenant(c.tenant), jobs.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = job.ID
	}
	deadline := time.Now().Add(20 * time.Second)
	for i, c := range cases {
		var job jobs.Job
		for {
			if job, err = client.Job(ctx, ids[i]); err != nil {
				t.Fatal(err)
			}
			if job.State.Terminal() || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		got := want{state: job.State}
		if job.Error != nil {
			got.errType = job.Error.Type
		}
		if got.state != c.want.state || (c.want.errType != "" && got.errType != c.want.errType) {
			t.Errorf("job %q of tenant %q: %+v (error %+v), want %+v", c.args.Note, c.tenant, got, job.Error, c.want)
		}
	}
	if got, want := f.notes(f.schemaA), []string{f.schemaA + "-seed", "from-a"}; !slices.Equal(got, want) {
		t.Errorf("schema A items = %v, want %v", got, want)
	}
	if got, want := f.notes(f.schemaB), []string{f.schemaB + "-seed", "from-b"}; !slices.Equal(got, want) {
		t.Errorf("schema B items = %v, want %v", got, want)
	}
}
