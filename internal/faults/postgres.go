package faults

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/jobsgo/jobs/adapters/postgres"
)

// tenantDB is a scenario's own PostgreSQL database.
type tenantDB struct {
	name  string
	url   string  // the database's URL, given to the workers
	db    *sql.DB // on the database
	admin *sql.DB // on the runner's database, to drop it at the end
}

// StartPostgres creates a database of the scenario's own on the runner's
// PostgreSQL server (-database) and connects DB to it. Workers started
// afterwards get its URL for their tenant handlers.
func (e *Env) StartPostgres(ctx context.Context) error {
	if e.cfg.DatabaseURL == "" {
		return errors.New("this scenario needs PostgreSQL: run it with -database (scripts/faults does)")
	}
	u, err := url.Parse(e.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("-database: %w", err)
	}
	admin, err := sql.Open("pgx", e.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	name := "faults_" + strings.ReplaceAll(uuid.NewString()[:13], "-", "")
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return fmt.Errorf("create database: %w", err)
	}
	u.Path = "/" + name
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		admin.Close()
		return err
	}
	e.pg = &tenantDB{name: name, url: u.String(), db: db, admin: admin}
	e.DB = db
	e.Logf("PostgreSQL database %s", name)
	return nil
}

// CreateTenants creates, for each tenant ID, an active tenant in the table
// postgres.SQLResolver reads, with a schema of its own that holds an
// items table (see Behaviour.TenantHandler).
func (e *Env) CreateTenants(ctx context.Context, ids ...string) error {
	if e.DB == nil {
		return errors.New("create tenants: call StartPostgres first")
	}
	stmts := []string{`CREATE TABLE IF NOT EXISTS tenants (id text PRIMARY KEY, slug text, schema_name text NOT NULL, active boolean NOT NULL)`}
	for _, id := range ids {
		schema := "tenant_" + id
		if err := postgres.ValidateSchema(schema); err != nil {
			return err
		}
		stmts = append(stmts,
			fmt.Sprintf(`CREATE SCHEMA %s`, schema),
			fmt.Sprintf(`CREATE TABLE %s.items (job_id text NOT NULL, attempt int NOT NULL, pid int NOT NULL)`, schema),
			fmt.Sprintf(`INSERT INTO tenants VALUES ('%s', '%s', '%s', true)`, id, id, schema))
	}
	for _, s := range stmts {
		if _, err := e.DB.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create tenants: %s: %w", s, err)
		}
	}
	return nil
}

// TenantItems returns, for each tenant, the job IDs in its items table:
// one per committed attempt.
func (e *Env) TenantItems(ctx context.Context, ids ...string) (map[string][]string, error) {
	items := make(map[string][]string)
	for _, id := range ids {
		rows, err := e.DB.QueryContext(ctx, fmt.Sprintf(`SELECT job_id FROM tenant_%s.items`, id))
		if err != nil {
			return nil, fmt.Errorf("read the items of tenant %s: %w", id, err)
		}
		for rows.Next() {
			var job string
			if err := rows.Scan(&job); err != nil {
				rows.Close()
				return nil, err
			}
			items[id] = append(items[id], job)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// close drops the scenario's database.
func (d *tenantDB) close() {
	d.db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = d.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+d.name+" WITH (FORCE)")
	d.admin.Close()
}
