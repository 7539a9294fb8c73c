package jobs

import (
	"context"
)

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
