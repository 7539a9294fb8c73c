package jobs

import (
	"context"
	"database/sql"
)

// TenantExecutor runs a function inside a tenant's scope: for PostgreSQL, a
// transaction whose search_path is the tenant's schema, committed when fn
// succeeds and rolled back when it fails or panics (adapters/postgres).
type TenantExecutor interface {
	RunInTenant(ctx context.Context, tenantID string, fn func(ctx context.Context, tx *sql.Tx) error) error
}

type tenantKey struct{}

// WithTenantID returns a context that carries tenantID, for calling a
// handler in a unit test; the pool's handler contexts carry their job's
// tenant already.
func WithTenantID(ctx context.Context, tenantID string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenantID)
}

// TenantIDFromContext returns the tenant of the job running in ctx: the
// one WithTenantID set, else that of the job the pool runs in ctx (see
// JobFromContext).
func TenantIDFromContext(ctx context.Context) (string, bool) {
	if id, ok := ctx.Value(tenantKey{}).(string); ok {
		return id, id != ""
	}
	var id string
	switch v := ctx.Value(jobKey{}).(type) {
	case *Job:
		id = v.TenantID
	case JobInfo:
		id = v.TenantID
	}
	return id, id != ""
}
