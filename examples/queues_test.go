package examples_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/examples"
	"github.com/jobsgo/jobs/generated"
	"github.com/jobsgo/jobs/runtime"
)

// TestDefaultPoolServesAnnotatedQueues: Register tells the registry each
// handler's queue (queue= of its annotation), so a pool configured with no
// Queues serves exactly the queues generated.Queues lists, and a job of an
// annotated queue (emails) runs without any queue copied by hand.
func TestDefaultPoolServesAnnotatedQueues(t *testing.T) {
	reg := runtime.NewRegistry()
	if err := generated.Register(reg, &examples.Billing{Gateway: okGateway{}}, &examples.Reports{Source: fixedSales{}}); err != nil {
		t.Fatal(err)
	}
	got, want := reg.Queues(), generated.Queues()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("registry queues = %v, want generated.Queues() = %v", got, want)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	backend := memory.New()
	pool, err := runtime.NewPool(backend, reg, runtime.PoolConfig{
		Tenants: noTenants{},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer pool.Shutdown(context.Background())
	client := generated.NewClient(runtime.NewClient(backend))
	job, err := client.EnqueueSendEmail(ctx, examples.SendEmailArgs{To: "ada@example.com", Subject: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if job.Queue != "emails" {
		t.Fatalf("job queue = %q, want emails", job.Queue)
	}
	if _, err := client.WaitSendEmail(ctx, job.ID); err != nil {
		t.Fatalf("WaitSendEmail: %v (a pool with no Queues must serve the emails queue)", err)
	}
}
