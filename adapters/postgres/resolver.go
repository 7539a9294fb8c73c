package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Tenant is what the executor needs to know of a tenant.
type Tenant struct {
	ID     string // the ID jobs carry (jobs.Job.TenantID)
	Slug   string // a human-readable name, for logs and handlers
	Schema string // the PostgreSQL schema holding the tenant's tables
}

// Resolver finds the tenant of a job. An unknown or disabled tenant is an
// error that wraps jobs.ErrTenantNotFound (a *TenantError); any other
// error (the database is down, ...) is transient and the job is retried.
type Resolver interface {
	Resolve(ctx context.Context, tenantID string) (Tenant, error)
}

// ResolverFunc adapts a function to a Resolver.
type ResolverFunc func(ctx context.Context, tenantID string) (Tenant, error)

// Resolve calls f.
func (f ResolverFunc) Resolve(ctx context.Context, tenantID string) (Tenant, error) {
	return f(ctx, tenantID)
}

// DefaultTenantQuery is the query of an SQLResolver unless WithTenantQuery
// replaces it. It runs outside any tenant's schema, on the connection's
// default search_path.
const DefaultTenantQuery = `SELECT id, slug, schema_name, active FROM tenants WHERE id = $1`

// SQLResolver reads tenants from a table. It queries the database on every
// call; wrap it in a CachedResolver.
type SQLResolver struct {
	db    *sql.DB
	query string
}

// SQLResolverOption configures an SQLResolver.
type SQLResolverOption func(*SQLResolver)

// WithTenantQuery replaces DefaultTenantQuery. The query takes the tenant ID
// as its only parameter ($1) and returns at most one row of four columns:
// ID, slug, schema name (text) and whether the tenant is active (boolean).
// A NULL slug reads as ""; a NULL schema is refused by the executor; a NULL
// active flag means disabled. Cast other types to text in the query (e.g.
// id::text) and keep the tenant ID a parameter: never build the query from
// input.
func WithTenantQuery(query string) SQLResolverOption {
	return func(r *SQLResolver) { r.query = query }
}

// NewSQLResolver returns a resolver that reads tenants through db.
func NewSQLResolver(db *sql.DB, opts ...SQLResolverOption) *SQLResolver {
	r := &SQLResolver{db: db, query: DefaultTenantQuery}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Resolve returns the active tenant tenantID, a *TenantError when it is
// unknown or disabled, or the database error.
func (r *SQLResolver) Resolve(ctx context.Context, tenantID string) (Tenant, error) {
	if tenantID == "" {
		return Tenant{}, &TenantError{TenantID: tenantID, Reason: "empty tenant ID"}
	}
	var (
		id           string
		slug, schema sql.NullString
		active       sql.NullBool
	)
	err := r.db.QueryRowContext(ctx, r.query, tenantID).Scan(&id, &slug, &schema, &active)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Tenant{}, &TenantError{TenantID: tenantID, Reason: "unknown (the tenants query returned no row)"}
	case err != nil:
		return Tenant{}, fmt.Errorf("resolve tenant %s: %w", clip(tenantID), err)
	case !active.Valid || !active.Bool:
		return Tenant{}, &TenantError{TenantID: tenantID, Reason: "disabled"}
	}
	return Tenant{ID: id, Slug: slug.String, Schema: schema.String}, nil
}
