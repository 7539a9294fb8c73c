package runtime_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// TestHandlerSeesItsJob checks that a handler reads its job from its
// context, tenant job or not, and that changing the metadata it got leaves
// the stored job alone.
func TestHandlerSeesItsJob(t *testing.T) {
	tests := []struct {
		name   string
		tenant string
	}{
		{"plain job", ""},
		{"tenant job", "acme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			seen := make(chan jobs.JobInfo, 2)
			handler := func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
				info, ok := jobs.JobFromContext(ctx)
				if !ok {
					t.Error("JobFromContext: no job in the handler's context")
					return nil, nil
				}
				seen <- info
				info.Metadata["trace"] = "changed by the handler"
				if j.Attempt == 1 {
					return nil, context.DeadlineExceeded // retried once
				}
				return nil, nil
			}
			if tt.tenant == "" {
				h.register("invoice", handler)
			} else if err := h.reg.RegisterTenant("invoice", func(ctx context.Context, _ *sql.Tx, j jobs.Job) (json.RawMessage, error) {
				if id, ok := jobs.TenantIDFromContext(ctx); !ok || id != tt.tenant {
					t.Errorf("TenantIDFromContext = %q, %v; want %q", id, ok, tt.tenant)
				}
				return handler(ctx, j)
			}); err != nil {
				t.Fatal(err)
			}
			h.start(runtime.PoolConfig{Queues: map[string]int{"billing": 1}, Tenants: &fakeTenants{known: map[string]bool{"acme": true}}})
			job := h.enqueue("invoice", jobs.WithQueue("billing"), jobs.WithMaxRetries(3),
				jobs.WithMetadata("trace", "t-1"), jobs.ForTenant(tt.tenant))
			stored := h.waitState(job.ID, jobs.StateCompleted)
			for attempt := 1; attempt <= 2; attempt++ {
				got := <-seen
				want := jobs.JobInfo{
					ID: job.ID, Type: "invoice", Queue: "billing", Attempt: attempt, MaxRetries: 3,
					EnqueuedAt: job.CreatedAt, Metadata: map[string]string{"trace": "t-1"}, TenantID: tt.tenant,
				}
				got.Metadata["trace"] = "t-1" // the handler changed its copy
				if !sameInfo(got, want) {
					t.Errorf("attempt %d: JobFromContext = %+v; want %+v", attempt, got, want)
				}
			}
			if stored.Metadata["trace"] != "t-1" {
				t.Errorf("stored metadata %v; the handler's change leaked into it", stored.Metadata)
			}
		})
	}
}

// TestWithJobInfo checks the context a unit test builds for a handler.
func TestWithJobInfo(t *testing.T) {
	if _, ok := jobs.JobFromContext(context.Background()); ok {
		t.Fatal("JobFromContext found a job in a bare context")
	}
	meta := map[string]string{"k": "v"}
	info := jobs.JobInfo{ID: "j1", Type: "t", Queue: "q", Attempt: 2, MaxRetries: 5, EnqueuedAt: time.Unix(10, 0), Metadata: meta, TenantID: "acme"}
	ctx := jobs.WithJobInfo(context.Background(), info)
	meta["k"] = "changed by the test"
	got, ok := jobs.JobFromContext(ctx)
	info.Metadata = map[string]string{"k": "v"}
	if !ok || !sameInfo(got, info) {
		t.Fatalf("JobFromContext = %+v, %v; want %+v", got, ok, info)
	}
	if id, ok := jobs.TenantIDFromContext(ctx); !ok || id != "acme" {
		t.Errorf("TenantIDFromContext = %q, %v; want acme", id, ok)
	}
	got.Metadata["k"] = "changed by the handler"
	if again, _ := jobs.JobFromContext(ctx); again.Metadata["k"] != "v" {
		t.Fatalf("metadata %v after a handler changed its copy", again.Metadata)
	}
}

func sameInfo(a, b jobs.JobInfo) bool {
	return a.ID == b.ID && a.Type == b.Type && a.Queue == b.Queue && a.Attempt == b.Attempt &&
		a.MaxRetries == b.MaxRetries && a.EnqueuedAt.Equal(b.EnqueuedAt) && maps.Equal(a.Metadata, b.Metadata) &&
		a.TenantID == b.TenantID
}
