package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jobsgo/jobs"
)

// Executor runs tenant jobs in their tenant's schema. It implements
// jobs.TenantExecutor; set it as runtime.PoolConfig.Tenants.
//
// For each job it resolves the tenant, validates its schema name
// (ValidateSchema) before any SQL runs, takes a connection, begins a
// transaction, checks that the schema exists, scopes the transaction with
// the equivalent of SET LOCAL search_path TO "<schema>", pg_temp and calls
// the handler with that transaction (a missing schema is an error and the
// handler does not run). The handler's writes commit only if it
// returns nil; an error or a panic rolls them back (the panic then continues
// to the pool's recovery). Unqualified names resolve in pg_catalog, then
// the tenant's schema, then the session's temporary schema, never in
// temporary tables first. Once the transaction has ended the connection's
// session is reset (the session user and role, every setting, temporary
// tables, held cursors, listened channels, advisory locks: DISCARD ALL but
// for prepared statements) before it returns to the pool, or closed if the
// reset fails: whatever the handler did to its session (SET search_path,
// SET ROLE, CREATE TEMP TABLE ...), the next job, of any tenant, does not
// see it. This costs one round trip per job.
//
// Only the search_path is scoped: a handler reaches other tenants' tables if
// it names their schema explicitly, so tenant isolation against hostile
// handler code needs per-tenant roles as well. Handlers must use the
// transaction they are given, neither commit nor roll it back, and leave
// the *sql.DB alone (it is not in the tenant's schema). Tenant schemas
// should share one table layout: the pgx statement cache is per connection,
// and a statement whose result columns differ between two schemas fails
// once with "cached plan must not change result type".
type Executor struct {
	db        *sql.DB
	resolver  Resolver
	txOptions *sql.TxOptions
}

var _ jobs.TenantExecutor = (*Executor)(nil)

// ExecutorOption configures an Executor.
type ExecutorOption func(*Executor)

// WithTxOptions sets the isolation level and read-only flag of tenant
// transactions (default: the database's default, read-write).
func WithTxOptions(opts *sql.TxOptions) ExecutorOption {
	return func(e *Executor) { e.txOptions = opts }
}

// NewExecutor returns an executor that runs jobs on db, an *sql.DB opened
// with the pgx driver (github.com/jackc/pgx/v5/stdlib), with the tenants
// resolver finds (usually a CachedResolver around an SQLResolver).
func NewExecutor(db *sql.DB, resolver Resolver, opts ...ExecutorOption) *Executor {
	e := &Executor{db: db, resolver: resolver}
	for _, o := range opts {
		o(e)
	}
	return e
}

// RunInTenant runs fn in a transaction scoped to tenantID's schema, with
// tenantID and its Tenant in the context (jobs.TenantIDFromContext,
// TenantFromContext). It commits when fn returns nil and returns fn's error
// unchanged otherwise. An unknown or disabled tenant, or one whose schema is
// invalid, is a *TenantError (errors.Is jobs.ErrTenantNotFound) and fn
// does not run.
func (e *Executor) RunInTenant(ctx context.Context, tenantID string, fn func(ctx context.Context, tx *sql.Tx) error) (err error) {
	t, err := e.resolver.Resolve(ctx, tenantID)
	if err != nil {
		return err
	}
	if err := ValidateSchema(t.Schema); err != nil {
		return &TenantError{TenantID: tenantID, Reason: "unusable schema", Err: err}
	}

	// The job's connection is pinned so that its session can be reset
	// before another job gets it.
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("tenant %s: get a connection: %w", clip(tenantID), err)
	}
	defer releaseConn(ctx, conn)
	tx, err := conn.BeginTx(ctx, e.txOptions)
	if err != nil {
		return fmt.Errorf("tenant %s: begin transaction: %w", clip(tenantID), err)
	}
	committed := false
	defer func() {
		// Runs on errors and while a panic unwinds; the panic goes on.
		if committed {
			return
		}
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) && err != nil {
			err = errors.Join(err, fmt.Errorf("tenant %s: rollback: %w", clip(tenantID), rbErr))
		}
	}()

	var path string
	switch err := tx.QueryRowContext(ctx, scopeToSchema, searchPath(t.Schema), t.Schema).Scan(&path); {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("tenant %s: schema %s does not exist", clip(tenantID), clip(t.Schema))
	case err != nil:
		return fmt.Errorf("tenant %s: set search_path to schema %s: %w", clip(tenantID), clip(t.Schema), err)
	}
	if err := fn(withTenant(jobs.WithTenantID(ctx, tenantID), t), tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		if errors.Is(err, sql.ErrTxDone) {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return fmt.Errorf("tenant %s: transaction rolled back: %w", clip(tenantID), ctxErr)
			}
			return fmt.Errorf("tenant %s: the handler ended its transaction itself: %w", clip(tenantID), err)
		}
		return fmt.Errorf("tenant %s: commit: %w", clip(tenantID), err)
	}
	committed = true
	return nil
}
