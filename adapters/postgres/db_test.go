package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/jobsgo/jobs/internal/testenv"
)

// openDB opens the test database with the pgx driver, adding params
// (name, value pairs of connection parameters) to its URL.
func openDB(t testing.TB, params ...string) *sql.DB {
	t.Helper()
	u, err := url.Parse(testenv.DatabaseURL(t))
	if err != nil {
		t.Fatalf("parse %s: %v", testenv.DatabaseURLVar, err)
	}
	q := u.Query()
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	return db
}

// fixture is one test's private corner of the database: a schema holding a
// tenants table, and two tenant schemas with the same items table.
type fixture struct {
	t       testing.TB
	db      *sql.DB
	meta    string // schema of the tenants table
	schemaA string
	schemaB string
	victim  string // a table that hostile input would like to drop
}

// Tenant IDs in every fixture.
const (
	tenantA        = "ten-a"
	tenantB        = "ten-b"
	tenantDisabled = "ten-off"
)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	prefix := "jt_" + hex.EncodeToString(b[:])
	f := &fixture{
		t:       t,
		db:      openDB(t, "lock_timeout", "10s"), // a leaked transaction fails the cleanup instead of hanging it
		meta:    prefix + "_meta",
		schemaA: prefix + "_a",
		schemaB: prefix + "_b",
	}
	f.victim = f.meta + ".victim"
	t.Cleanup(func() {
		for _, s := range []string{f.meta, f.schemaA, f.schemaB} {
			f.exec("DROP SCHEMA IF EXISTS " + ident(s) + " CASCADE")
		}
	})
	f.exec("CREATE SCHEMA " + ident(f.meta))
	f.exec("CREATE TABLE " + ident(f.meta, "tenants") + " (id text PRIMARY KEY, slug text, schema_name text, active boolean)")
	f.exec("CREATE TABLE " + ident(f.meta, "victim") + " (x int)")
	for _, s := range []string{f.schemaA, f.schemaB} {
		f.exec("CREATE SCHEMA " + ident(s))
		f.exec("CREATE TABLE " + ident(s, "items") + " (id serial PRIMARY KEY, note text NOT NULL)")
		f.exec("INSERT INTO "+ident(s, "items")+" (note) VALUES ($1)", s+"-seed")
	}
	f.addTenant(tenantA, "acme", f.schemaA, true)
	f.addTenant(tenantB, "bravo", f.schemaB, true)
	f.addTenant(tenantDisabled, "off", f.schemaA, false)
	return f
}

// ident quotes a (possibly qualified) identifier.
func ident(parts ...string) string { return pgx.Identifier(parts).Sanitize() }

func (f *fixture) exec(query string, args ...any) {
	f.t.Helper()
	if _, err := f.db.ExecContext(context.Background(), query, args...); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
}

// addTenant inserts a tenant row; schema nil stores NULL.
func (f *fixture) addTenant(id, slug string, schema any, active bool) {
	f.t.Helper()
	f.exec("INSERT INTO "+ident(f.meta, "tenants")+" (id, slug, schema_name, active) VALUES ($1, $2, $3, $4)", id, slug, schema, active)
}

// resolver reads the fixture's tenants table.
func (f *fixture) resolver(db *sql.DB) *SQLResolver {
	return NewSQLResolver(db, WithTenantQuery(
		"SELECT id, slug, schema_name, active FROM "+ident(f.meta, "tenants")+" WHERE id = $1"))
}

// notes lists the notes of schema's items, in insertion order, read with a
// qualified name outside any tenant transaction.
func (f *fixture) notes(schema string) []string {
	f.t.Helper()
	rows, err := f.db.QueryContext(context.Background(), "SELECT note FROM "+ident(schema, "items")+" ORDER BY id")
	if err != nil {
		f.t.Fatal(err)
	}
	return scanStrings(f.t, rows)
}

// victimExists reports whether the victim table survived.
func (f *fixture) victimExists() bool {
	f.t.Helper()
	var exists bool
	if err := f.db.QueryRowContext(context.Background(), "SELECT to_regclass($1) IS NOT NULL", f.victim).Scan(&exists); err != nil {
		f.t.Fatal(err)
	}
	return exists
}

func scanStrings(t testing.TB, rows *sql.Rows) []string {
	t.Helper()
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
