package postgres

import (
	"context"
)

type tenantKey struct{}

func withTenant(ctx context.Context, t Tenant) context.Context {
	return context.WithValue(ctx, tenantKey{}, t)
}

// TenantFromContext returns the tenant whose job runs in ctx, as the
// Executor resolved it (jobs.TenantIDFromContext has only its ID).
func TenantFromContext(ctx context.Context) (Tenant, bool) {
	t, ok := ctx.Value(tenantKey{}).(Tenant)
	return t, ok
}
