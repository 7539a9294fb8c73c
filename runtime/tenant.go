package runtime

import (
	"context"
	"database/sql"
	"errors"
)

// ErrTenantNotFound means a job's tenant is unknown, disabled or
// misconfigured. Such a job fails explicitly; it never runs against a
// default schema.
var ErrTenantNotFound = errors.New("tenant not found")

// TenantExecutor runs a function inside a tenant's scope: for PostgreSQL, a
// transaction whose search_path is the tenant's schema, committed when fn
// succeeds and rolled back when it fails or panics (adapters/postgres).
type TenantExecutor interface {
	RunInTenant(ctx context.Context, tenantID string, fn func(ctx context.Context, tx *sql.Tx) error) error
}

type tenantKey struct{}

// WithTenantID returns a context that carries tenantID. The pool sets it for
// every job that has a tenant.
func WithTenantID(ctx context.Context, tenantID string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenantID)
}

// TenantIDFromContext returns the tenant of the job running in ctx.
func TenantIDFromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(tenantKey{}).(string)
	return id, ok && id != ""
}
