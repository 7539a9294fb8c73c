// Package postgres runs tenant jobs in their tenant's PostgreSQL schema.
//
// Jobs whose handler is registered with runtime.Registry.RegisterTenant
// carry a tenant ID. The worker pool hands each of them to its
// jobs.TenantExecutor; this package's Executor resolves the tenant to a
// schema, takes a connection, opens a transaction, scopes it with the
// equivalent of
//
//	SET LOCAL search_path TO "<schema>", pg_temp
//
// (pg_temp last, so that temporary tables never shadow the tenant's) and
// gives the handler that *sql.Tx. The handler's writes commit only if it
// succeeds; an error or a panic rolls them back. Once the transaction has
// ended, the connection's session is reset (role, settings, temporary
// tables, held cursors, listened channels, advisory locks) before it goes
// back to the pool, so nothing a job did to its session, even a
// session-level SET search_path or SET ROLE, reaches the next job on that
// connection. A tenant whose schema does not exist fails its job before
// the handler runs.
//
// Tenants come from a Resolver: SQLResolver reads a table (by default
// tenants(id, slug, schema_name, active), see DefaultTenantQuery) and
// CachedResolver keeps its answers for a TTL. An unknown or disabled tenant,
// or one whose schema name breaks ValidateSchema, fails its job with a
// *TenantError, which matches jobs.ErrTenantNotFound: the pool sends the
// job to the dead-letter queue rather than run it against a default schema.
// Schema names are validated before any SQL runs and quoted as identifiers;
// tenant IDs only ever travel as query parameters.
//
// Open the database with the pgx driver (github.com/jackc/pgx/v5/stdlib)
// and plug the executor into the pool:
//
//	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
//	...
//	tenants := postgres.NewCachedResolver(postgres.NewSQLResolver(db), time.Minute)
//	pool, err := runtime.NewPool(backend, registry, runtime.PoolConfig{
//		Tenants: postgres.NewExecutor(db, tenants),
//	})
//
// Size db's pool (SetMaxOpenConns) for the number of workers running tenant
// jobs at once: each holds one connection for the length of its job.
package postgres
