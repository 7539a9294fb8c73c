package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/google/go-cmp/cmp"
)

// query runs a single-column query in tx and returns its rows as strings.
func query(t *testing.T, ctx context.Context, tx *sql.Tx, q string) []string {
	t.Helper()
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return scanStrings(t, rows)
}

func TestExecutorIsolatesTenants(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	exec := NewExecutor(f.db, NewCachedResolver(f.resolver(f.db), time.Minute))

	for _, tc := range []struct {
		tenant, slug, schema, other string
	}{
		{tenantA, "acme", f.schemaA, f.schemaB},
		{tenantB, "bravo", f.schemaB, f.schemaA},
	} {
		called := false
		err := exec.RunInTenant(context.Background(), tc.tenant, func(ctx context.Context, tx *sql.Tx) error {
			called = true
			if id, ok := jobs.TenantIDFromContext(ctx); !ok || id != tc.tenant {
				t.Errorf("TenantIDFromContext = %q, %v; want %q", id, ok, tc.tenant)
			}
			want := Tenant{ID: tc.tenant, Slug: tc.slug, Schema: tc.schema}
			if got, ok := TenantFromContext(ctx); !ok || got != want {
				t.Errorf("TenantFromContext = %+v, %v; want %+v", got, ok, want)
			}
			if got := query(t, ctx, tx, "SELECT current_schema()"); !slices.Equal(got, []string{tc.schema}) {
				t.Errorf("current_schema() = %v, want %s", got, tc.schema)
			}
			// Unqualified names reach this tenant's table only.
			if got := query(t, ctx, tx, "SELECT note FROM items ORDER BY id"); !slices.Equal(got, []string{tc.schema + "-seed"}) {
				t.Errorf("%s sees items %v, want only its own seed row", tc.tenant, got)
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO items (note) VALUES ($1)", tc.tenant+"-job")
			return err
		})
		if err != nil || !called {
			t.Fatalf("RunInTenant(%s) = %v (handler called: %v)", tc.tenant, err, called)
		}
	}
	if diff := cmp.Diff([]string{f.schemaA + "-seed", tenantA + "-job"}, f.notes(f.schemaA)); diff != "" {
		t.Errorf("schema A items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{f.schemaB + "-seed", tenantB + "-job"}, f.notes(f.schemaB)); diff != "" {
		t.Errorf("schema B items (-want +got):\n%s", diff)
	}
}

func TestExecutorRollsBackFailedHandler(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	exec := NewExecutor(f.db, f.resolver(f.db))
	errHandler := jobs.SkipRetry(errors.New("handler failed"))

	err := exec.RunInTenant(context.Background(), tenantA, func(ctx context.Context, tx *sql.Tx) error {
		for i := range 3 {
			if _, err := tx.ExecContext(ctx, "INSERT INTO items (note) VALUES ($1)", fmt.Sprint("partial-", i)); err != nil {
				return err
			}
		}
		return errHandler
	})
	if err != errHandler {
		t.Fatalf("RunInTenant = %v, want the handler's error unchanged", err)
	}
	if got := f.notes(f.schemaA); !slices.Equal(got, []string{f.schemaA + "-seed"}) {
		t.Errorf("items after a failed handler = %v, want only the seed row", got)
	}
}

func TestExecutorRollsBackPanickingHandlerAndRepanics(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	db := openDB(t)
	db.SetMaxOpenConns(1) // a connection left in a transaction would block the checks below
	exec := NewExecutor(db, f.resolver(db))
	type boom struct{ msg string }

	recovered := func() (p any) {
		defer func() { p = recover() }()
		_ = exec.RunInTenant(context.Background(), tenantA, func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO items (note) VALUES ('partial')"); err != nil {
				t.Error(err)
			}
			panic(boom{"handler panicked"})
		})
		return nil
	}()
	if recovered != (boom{"handler panicked"}) {
		t.Fatalf("recovered %#v, want the handler's panic value", recovered)
	}
	if got := f.notes(f.schemaA); !slices.Equal(got, []string{f.schemaA + "-seed"}) {
		t.Errorf("items after a panicking handler = %v, want only the seed row", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var pid int
	if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatalf("the only connection is not usable after the panic: %v", err)
	}
	var state string
	if err := f.db.QueryRowContext(ctx, "SELECT state FROM pg_stat_activity WHERE pid = $1", pid).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if state != "idle" {
		t.Errorf("the connection is %q after the panic, want idle (out of the transaction)", state)
	}
}

func TestExecutorUnknownAndDisabledTenants(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	exec := NewExecutor(f.db, f.resolver(f.db))
	hostileID := "x'; DROP TABLE " + f.victim + "; --"

	for _, tc := range []struct {
		name, tenant, reason string
	}{
		{"unknown", "ten-missing", "unknown"},
		{"disabled", tenantDisabled, "disabled"},
		{"empty ID", "", "empty tenant ID"},
		{"hostile ID", hostileID, "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := exec.RunInTenant(context.Background(), tc.tenant, func(context.Context, *sql.Tx) error {
				t.Error("the handler ran")
				return nil
			})
			if !errors.Is(err, jobs.ErrTenantNotFound) {
				t.Fatalf("RunInTenant = %v, want an error matching jobs.ErrTenantNotFound", err)
			}
			var te *TenantError
			if !errors.As(err, &te) || te.TenantID != tc.tenant {
				t.Fatalf("RunInTenant = %#v, want a *TenantError for %q", err, tc.tenant)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprintf("%q", tc.tenant)) || !strings.Contains(msg, tc.reason) {
				t.Errorf("error %q does not name tenant %q and reason %q", msg, tc.tenant, tc.reason)
			}
		})
	}
	if !f.victimExists() {
		t.Error("a hostile tenant ID dropped a table")
	}
}

func TestExecutorRefusesHostileSchemas(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	exec := NewExecutor(f.db, f.resolver(f.db))
	hostile := map[string]any{
		"semicolon":     "public; DROP TABLE " + f.victim,
		"quote":         `x"; DROP TABLE ` + f.victim + `; --`,
		"single quote":  "x'; DROP TABLE " + f.victim + "; --",
		"comma list":    f.schemaB + "," + f.schemaA,
		"qualified":     f.meta + ".victim",
		"uppercase":     strings.ToUpper(f.schemaA),
		"too long":      strings.Repeat("a", 64),
		"empty":         "",
		"NULL":          nil,
		"public":        "public",
		"system schema": "pg_catalog",
	}
	for name, schema := range hostile {
		id := "hostile-" + strings.ReplaceAll(name, " ", "-")
		f.addTenant(id, name, schema, true)
		t.Run(name, func(t *testing.T) {
			err := exec.RunInTenant(context.Background(), id, func(context.Context, *sql.Tx) error {
				t.Error("the handler ran")
				return nil
			})
			var se *SchemaError
			if !errors.Is(err, jobs.ErrTenantNotFound) || !errors.Is(err, ErrInvalidSchema) || !errors.As(err, &se) {
				t.Fatalf("RunInTenant = %v, want a *TenantError wrapping a *SchemaError", err)
			}
			if !strings.Contains(err.Error(), id) || !strings.Contains(err.Error(), "schema") {
				t.Errorf("error %q does not name the tenant and its schema", err)
			}
		})
	}
	if !f.victimExists() {
		t.Error("a hostile schema name dropped a table")
	}
}

// TestExecutorValidatesBeforeAnySQL uses a closed database: were any SQL
// attempted, the error would be "sql: database is closed".
func TestExecutorValidatesBeforeAnySQL(t *testing.T) {
	db, err := sql.Open("pgx", "postgres://127.0.0.1:1/none")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	resolver := ResolverFunc(func(_ context.Context, id string) (Tenant, error) {
		return Tenant{ID: id, Schema: "public; DROP TABLE x"}, nil
	})
	err = NewExecutor(db, resolver).RunInTenant(context.Background(), "t1", func(context.Context, *sql.Tx) error {
		t.Error("the handler ran")
		return nil
	})
	if !errors.Is(err, ErrInvalidSchema) || strings.Contains(err.Error(), "closed") {
		t.Fatalf("RunInTenant = %v, want a schema error before any use of the database", err)
	}
}

func TestExecutorHostileSlugIsData(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	slug := "'; DROP TABLE " + f.victim + "; --\"$$"
	f.addTenant("ten-slug", slug, f.schemaA, true)
	err := NewExecutor(f.db, f.resolver(f.db)).RunInTenant(context.Background(), "ten-slug", func(ctx context.Context, tx *sql.Tx) error {
		if got, _ := TenantFromContext(ctx); got.Slug != slug {
			t.Errorf("slug = %q, want %q", got.Slug, slug)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !f.victimExists() {
		t.Error("a hostile slug dropped a table")
	}
}

// TestExecutorSearchPathDoesNotLeak runs tenant jobs on a single connection
// and checks after each that the connection is back on its default
// search_path.
func TestExecutorSearchPathDoesNotLeak(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	db := openDB(t)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	ctx := context.Background()
	var pid int
	var defaultPath string
	if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid(), current_setting('search_path')").Scan(&pid, &defaultPath); err != nil {
		t.Fatal(err)
	}
	exec := NewExecutor(db, f.resolver(db))

	batch := map[string]func(ctx context.Context, tx *sql.Tx) error{
		"success": func(context.Context, *sql.Tx) error { return nil },
		"error":   func(context.Context, *sql.Tx) error { return errors.New("failed") },
		"panic":   func(context.Context, *sql.Tx) error { panic("boom") },
		"SQL error": func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "SELECT * FROM no_such_table")
			return err
		},
	}
	for name, job := range batch {
		t.Run(name, func(t *testing.T) {
			func() {
				defer func() { _ = recover() }()
				_ = exec.RunInTenant(ctx, tenantA, func(ctx context.Context, tx *sql.Tx) error {
					var inside string
					var insidePID int
					if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid(), current_setting('search_path')").Scan(&insidePID, &inside); err != nil {
						t.Fatal(err)
					}
					if want := `"` + f.schemaA + `", pg_temp`; inside != want || insidePID != pid {
						t.Errorf("inside the job: search_path %q on backend %d, want %q on %d", inside, insidePID, want, pid)
					}
					return job(ctx, tx)
				})
			}()
			// The next user of the only connection: a plain query and a
			// fresh transaction.
			var after string
			var afterPID int
			if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid(), current_setting('search_path')").Scan(&afterPID, &after); err != nil {
				t.Fatal(err)
			}
			if after != defaultPath || afterPID != pid {
				t.Errorf("after the job: search_path %q on backend %d, want %q on %d", after, afterPID, defaultPath, pid)
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if got := query(t, ctx, tx, "SHOW search_path"); !slices.Equal(got, []string{defaultPath}) {
				t.Errorf("a fresh transaction sees search_path %v, want %q", got, defaultPath)
			}
		})
	}
}

// TestDefaultTenantQuery resolves through DefaultTenantQuery, finding the
// tenants table on a connection whose default search_path is the fixture's
// schema, and checks that a tenant job leaves that default in place.
func TestDefaultTenantQuery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	db := openDB(t, "search_path", f.meta)
	db.SetMaxOpenConns(1)
	exec := NewExecutor(db, NewSQLResolver(db))
	err := exec.RunInTenant(context.Background(), tenantB, func(ctx context.Context, tx *sql.Tx) error {
		if got := query(t, ctx, tx, "SELECT note FROM items"); !slices.Equal(got, []string{f.schemaB + "-seed"}) {
			t.Errorf("items = %v, want schema B's seed row", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var path string
	if err := db.QueryRowContext(context.Background(), "SHOW search_path").Scan(&path); err != nil {
		t.Fatal(err)
	}
	if path != f.meta {
		t.Errorf("search_path after the job = %q, want the connection's default %q", path, f.meta)
	}
}

// TestExecutorMissingSchemaDoesNotFallBack points a tenant at a schema that
// does not exist, on a connection that has a temporary schema: the job
// fails without running rather than run in another schema.
func TestExecutorMissingSchemaDoesNotFallBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	db := openDB(t)
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(context.Background(), "CREATE TEMP TABLE gives_a_temp_schema (x int)"); err != nil {
		t.Fatal(err)
	}
	missing := f.schemaA + "_missing"
	f.addTenant("ten-missing-schema", "ghost", missing, true)
	err := NewExecutor(db, f.resolver(db)).RunInTenant(context.Background(), "ten-missing-schema", func(ctx context.Context, tx *sql.Tx) error {
		var schema sql.NullString
		if err := tx.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return err
		}
		t.Errorf("the handler ran, in schema %v", schema)
		return nil
	})
	if want := fmt.Sprintf("schema %q does not exist", missing); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("RunInTenant with a missing schema: %v, want an error containing %q", err, want)
	}
}

func TestExecutorTxOptions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	exec := NewExecutor(f.db, f.resolver(f.db), WithTxOptions(&sql.TxOptions{ReadOnly: true}))
	err := exec.RunInTenant(context.Background(), tenantA, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO items (note) VALUES ('x')")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("insert in a read-only tenant transaction: %v, want a read-only error", err)
	}
}

func TestExecutorHandlerMustNotEndTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	err := NewExecutor(f.db, f.resolver(f.db)).RunInTenant(context.Background(), tenantA, func(_ context.Context, tx *sql.Tx) error {
		return tx.Rollback()
	})
	if !errors.Is(err, sql.ErrTxDone) || !strings.Contains(err.Error(), "ended its transaction") {
		t.Fatalf("RunInTenant = %v, want an error saying the handler ended the transaction", err)
	}
}

// TestCachedResolverInvalidateSeesDisabledTenant disables a tenant in the
// table: the cache serves it until invalidated, then the job is refused.
func TestCachedResolverInvalidateSeesDisabledTenant(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := NewCachedResolver(f.resolver(f.db), time.Hour)
	exec := NewExecutor(f.db, cache)
	noop := func(context.Context, *sql.Tx) error { return nil }
	if err := exec.RunInTenant(context.Background(), tenantA, noop); err != nil {
		t.Fatal(err)
	}
	f.exec("UPDATE "+ident(f.meta, "tenants")+" SET active = false WHERE id = $1", tenantA)
	if err := exec.RunInTenant(context.Background(), tenantA, noop); err != nil {
		t.Fatalf("cached tenant: %v", err)
	}
	cache.Invalidate(tenantA)
	if err := exec.RunInTenant(context.Background(), tenantA, noop); !errors.Is(err, jobs.ErrTenantNotFound) {
		t.Fatalf("after Invalidate: %v, want ErrTenantNotFound", err)
	}
}
