package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jobsgo/jobs"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/jobsgo/jobs/adapters/postgres"
	"github.com/jobsgo/jobs/examples"
	"github.com/jobsgo/jobs/generated"
)

// tenantDemo is the multi-tenant part of the demo: notifications written
// into each tenant's own schema. Without a database it only explains how
// to run it.
type tenantDemo struct {
	db       *sql.DB // nil without DATABASE_URL
	executor jobs.TenantExecutor
}

// The demo's tenants: two active ones with the same table in their own
// schemas, a disabled one, and (in enqueue) one that does not exist.
var demoTenants = []struct {
	id, schema string
	active     bool
}{
	{"acme", "demo_tenant_acme", true},
	{"globex", "demo_tenant_globex", true},
	{"initech", "demo_tenant_initech", false},
}

// setupTenants creates the tenants table and schemas when databaseURL is set.
func setupTenants(ctx context.Context, out io.Writer, databaseURL string) (*tenantDemo, error) {
	if databaseURL == "" {
		fmt.Fprintln(out, "-- tenant jobs skipped: DATABASE_URL is not set (set it to a PostgreSQL URL to run them in per-tenant schemas)")
		return &tenantDemo{executor: noDatabase{}}, nil
	}
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return nil, fmt.Errorf("tenants: %w", err)
	}
	stmts := []string{`DROP TABLE IF EXISTS demo_tenants`,
		`CREATE TABLE demo_tenants (id text PRIMARY KEY, slug text NOT NULL, schema_name text NOT NULL, active boolean NOT NULL)`}
	for _, t := range demoTenants {
		stmts = append(stmts,
			fmt.Sprintf(`DROP SCHEMA IF EXISTS %s CASCADE`, t.schema),
			fmt.Sprintf(`CREATE SCHEMA %s`, t.schema),
			fmt.Sprintf(`CREATE TABLE %s.notifications (user_id bigint NOT NULL, kind text NOT NULL, message text NOT NULL)`, t.schema),
			fmt.Sprintf(`INSERT INTO demo_tenants VALUES ('%s', '%s', '%s', %t)`, t.id, t.id, t.schema, t.active))
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			return nil, fmt.Errorf("tenants: set up the demo schemas: %w", err)
		}
	}
	resolver := postgres.NewCachedResolver(
		postgres.NewSQLResolver(db, postgres.WithTenantQuery(`SELECT id, slug, schema_name, active FROM demo_tenants WHERE id = $1`)),
		time.Minute)
	fmt.Fprintln(out, "-- tenant jobs run in the schemas demo_tenant_acme and demo_tenant_globex")
	return &tenantDemo{db: db, executor: postgres.NewExecutor(db, resolver)}, nil
}

// enqueue enqueues one notification job per tenant, and one for a tenant
// that does not exist.
func (d *tenantDemo) enqueue(ctx context.Context, client *generated.Client, w *watcher) error {
	if d.db == nil {
		return nil
	}
	users := map[string][]int64{"acme": {1, 2, 3}, "globex": {7}, "initech": {9}, "umbrella": {11}}
	for _, id := range []string{"acme", "globex", "initech", "umbrella"} {
		job, err := client.EnqueueNotifyUsersForTenant(ctx, id, examples.NotifyUsersArgs{UserIDs: users[id], Kind: "invoice_paid", Message: "Your invoice was paid"})
		if err != nil {
			return err
		}
		w.track("tenant/"+id, job)
	}
	return nil
}

// check verifies that each tenant's rows landed in its own schema only and
// that the disabled and unknown tenants' jobs failed.
func (d *tenantDemo) check(ctx context.Context, w *watcher) error {
	if d.db == nil {
		return nil
	}
	errs := []error{
		w.expect("tenant/acme", jobs.StateCompleted, 1),
		w.expect("tenant/globex", jobs.StateCompleted, 1),
		w.expect("tenant/initech", jobs.StateFailed, 1),
		w.expect("tenant/umbrella", jobs.StateFailed, 1),
	}
	for _, t := range demoTenants {
		var n int
		if err := d.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s.notifications`, t.schema)).Scan(&n); err != nil {
			return err
		}
		want := map[string]int{"acme": 3, "globex": 1}[t.id]
		fmt.Fprintf(w.out, "tenant %-8s schema %-20s notifications: %d\n", t.id, t.schema, n)
		if n != want {
			errs = append(errs, fmt.Errorf("tenant %s has %d notifications, want %d", t.id, n, want))
		}
	}
	return errors.Join(errs...)
}

// close drops the demo's tables and schemas.
func (d *tenantDemo) close() {
	if d.db == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, t := range demoTenants {
		_, _ = d.db.ExecContext(ctx, fmt.Sprintf(`DROP SCHEMA IF EXISTS %s CASCADE`, t.schema))
	}
	_, _ = d.db.ExecContext(ctx, `DROP TABLE IF EXISTS demo_tenants`)
	d.db.Close()
}

// noDatabase is the tenant executor without a database: the demo enqueues
// no tenant jobs then, and any that arrived would fail explicitly.
type noDatabase struct{}

func (noDatabase) RunInTenant(ctx context.Context, tenantID string, fn func(context.Context, *sql.Tx) error) error {
	return fmt.Errorf("tenant %q: %w (%w)", tenantID, jobs.ErrTenantNotFound, errNoDatabase)
}
