package postgres

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// TestExecutorSessionStateDoesNotLeak runs, on a pool of one connection, a
// job of tenant A that changes its session (temporary tables, session-level
// settings, role, held cursors, listened channels, advisory locks) and
// commits, then a job of tenant B on the same connection: B sees none of
// it, in its job or in the next plain query on the connection.
func TestExecutorSessionStateDoesNotLeak(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	role := f.meta + "_role"
	f.exec("CREATE ROLE " + ident(role))
	t.Cleanup(func() {
		f.exec("DROP OWNED BY " + ident(role)) // its privileges
		f.exec("DROP ROLE " + ident(role))
	})
	f.exec("GRANT USAGE ON SCHEMA " + ident(f.schemaA) + ", " + ident(f.schemaB) + " TO " + ident(role))

	db := openDB(t)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	ctx := context.Background()
	var pid int
	var user, timeout, path string
	if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid(), current_user, current_setting('statement_timeout'), current_setting('search_path')").
		Scan(&pid, &user, &timeout, &path); err != nil {
		t.Fatal(err)
	}
	exec := NewExecutor(db, NewCachedResolver(f.resolver(db), time.Minute))

	tests := []struct {
		name string
		leak string // what tenant A's handler runs
		// probe is a one-value query that must return want in tenant B's
		// job (inJob) or, after it, on the bare connection.
		probe string
		inJob bool
		want  string
	}{
		{name: "temporary table shadowing the tenant's table",
			leak:  "CREATE TEMP TABLE items (id int, note text); INSERT INTO pg_temp.items VALUES (1, 'secret of A')",
			probe: "SELECT string_agg(note, ',' ORDER BY id) FROM items", inJob: true, want: f.schemaB + "-seed"},
		{name: "temporary table the tenant lacks",
			leak:  "CREATE TEMP TABLE only_a AS SELECT 'secret of A' AS note",
			probe: "SELECT coalesce(to_regclass('only_a')::text, 'none')", inJob: true, want: "none"},
		{name: "session statement_timeout",
			leak:  "SET statement_timeout = '4321ms'",
			probe: "SELECT current_setting('statement_timeout')", inJob: true, want: timeout},
		{name: "session search_path",
			leak:  "SET search_path TO " + ident(f.schemaA),
			probe: "SELECT current_setting('search_path')", want: path},
		{name: "session search_path through set_config",
			leak:  "SELECT set_config('search_path', '" + f.schemaA + "', false)",
			probe: "SELECT current_setting('search_path')", want: path},
		{name: "role",
			leak:  "SET ROLE " + ident(role),
			probe: "SELECT current_user", inJob: true, want: user},
		{name: "cursor held past the transaction",
			leak:  "DECLARE held CURSOR WITH HOLD FOR SELECT note FROM items",
			probe: "SELECT count(*)::text FROM pg_cursors WHERE is_holdable", inJob: true, want: "0"},
		{name: "listened channel",
			leak:  "LISTEN tenant_a_events",
			probe: "SELECT count(*)::text FROM pg_listening_channels()", inJob: true, want: "0"},
		{name: "session advisory lock",
			leak:  "SELECT pg_advisory_lock(4242)",
			probe: "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()", inJob: true, want: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := exec.RunInTenant(ctx, tenantA, func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, tt.leak)
				return err
			}); err != nil {
				t.Fatalf("tenant A's job: %v", err)
			}
			var got string
			var gotPID int
			if tt.inJob {
				if err := exec.RunInTenant(ctx, tenantB, func(ctx context.Context, tx *sql.Tx) error {
					if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&gotPID); err != nil {
						return err
					}
					return tx.QueryRowContext(ctx, tt.probe).Scan(&got)
				}); err != nil {
					t.Fatalf("tenant B's job: %v", err)
				}
			} else {
				if err := exec.RunInTenant(ctx, tenantB, func(context.Context, *sql.Tx) error { return nil }); err != nil {
					t.Fatalf("tenant B's job: %v", err)
				}
				if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&gotPID); err != nil {
					t.Fatal(err)
				}
				if err := db.QueryRowContext(ctx, tt.probe).Scan(&got); err != nil {
					t.Fatal(err)
				}
			}
			if gotPID != pid {
				t.Fatalf("probe ran on backend %d, want the pool's only connection %d", gotPID, pid)
			}
			if got != tt.want {
				t.Errorf("after tenant A ran %q: %s = %q, want %q", tt.leak, tt.probe, got, tt.want)
			}
		})
	}
}
