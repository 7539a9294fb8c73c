package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/jobsgo/jobs"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/adapters/postgres"
	"github.com/jobsgo/jobs/runtime"
)

// InvoiceArgs are the arguments of the example's tenant job.
type InvoiceArgs struct {
	Customer string `json:"customer"`
	Cents    int64  `json:"cents"`
}

// Example wires tenant-scoped execution into a worker pool. The handler's
// unqualified "invoices" is the invoices table of the job's tenant.
func Example() {
	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(20) // at least the number of concurrent tenant jobs

	tenants := postgres.NewCachedResolver(postgres.NewSQLResolver(db), time.Minute)
	registry := runtime.NewRegistry()
	err = registry.RegisterTenant("create_invoice", runtime.TypedTenantHandlerNoResult(
		func(ctx context.Context, tx *sql.Tx, a InvoiceArgs) error {
			tenant, _ := postgres.TenantFromContext(ctx)
			log.Printf("invoicing %s for tenant %s", a.Customer, tenant.Slug)
			_, err := tx.ExecContext(ctx, "INSERT INTO invoices (customer, cents) VALUES ($1, $2)", a.Customer, a.Cents)
			return err
		}))
	if err != nil {
		log.Fatal(err)
	}

	backend := memory.New() // or the Redis backend
	pool, err := runtime.NewPool(backend, registry, runtime.PoolConfig{
		Queues:  map[string]int{"default": 10},
		Tenants: postgres.NewExecutor(db, tenants),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := pool.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	defer pool.Shutdown(context.Background())

	_, err = runtime.EnqueueValue(context.Background(), runtime.NewClient(backend), "create_invoice",
		InvoiceArgs{Customer: "ada", Cents: 4200}, jobs.ForTenant("acme"))
	if err != nil {
		log.Fatal(err)
	}
}

// ExampleNewSQLResolver reads tenants from a table of another shape.
func ExampleNewSQLResolver() {
	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	resolver := postgres.NewSQLResolver(db, postgres.WithTenantQuery(
		`SELECT id::text, name, 'tenant_' || id::text, deleted_at IS NULL
		   FROM accounts.organisations WHERE id::text = $1`))
	tenant, err := resolver.Resolve(context.Background(), "42")
	if err != nil {
		log.Fatal(err) // errors.Is(err, jobs.ErrTenantNotFound) for unknown or deleted ones
	}
	fmt.Println(tenant.Schema)
}
