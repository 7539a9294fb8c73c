package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jobsgo/jobs/runtime"
)

// Executor runs tenant jobs in their tenant's schema. It implements
// runtime.TenantExecutor; set it as runtime.PoolConfig.Tenants.
//
// For each job it resolves the tenant, validates its schema name
// (ValidateSchema) before any SQL runs, begins a transaction, runs
// SET LOCAL search_path TO "<schema>" and calls the handler with that
// transaction. The handler's writes commit only if it returns nil; an error
// or a panic rolls them back (the panic then continues to the pool's
// recovery). SET LOCAL lasts until the transaction ends, so the connection
// returns to the pool with its default search_path whatever the handler did
// with the schema, as long as the handler does not itself run a
// session-level SET search_path or set_config('search_path', ..., false):
// handlers use SET LOCAL for their own settings.
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

var _ runtime.TenantExecutor = (*Executor)(nil)

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
// tenantID and its Tenant in the context (runtime.TenantIDFromContext,
// TenantFromContext). It commits when fn returns nil and returns fn's error
// unchanged otherwise. An unknown or disabled tenant, or one whose schema is
// invalid, is a *TenantError (errors.Is runtime.ErrTenantNotFound) and fn
// does not run.
func (e *Executor) RunInTenant(ctx context.Context, tenantID string, fn func(ctx context.Context, tx *sql.Tx) error) (err error) {
	t, err := e.resolver.Resolve(ctx, tenantID)
	if err != nil {
		return err
	}
	if err := ValidateSchema(t.Schema); err != nil {
		return &TenantError{TenantID: tenantID, Reason: "unusable schema", Err: err}
	}

	tx, err := e.db.BeginTx(ctx, e.txOptions)
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

	if _, err := tx.ExecContext(ctx, setSearchPath(t.Schema)); err != nil {
		return fmt.Errorf("tenant %s: set search_path to schema %s: %w", clip(tenantID), clip(t.Schema), err)
	}
	if err := fn(withTenant(runtime.WithTenantID(ctx, tenantID), t), tx); err != nil {
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
