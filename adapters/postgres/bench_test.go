package postgres

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"
)

// BenchmarkTenantOverhead measures what tenant scoping adds to a job, and
// reports the p50 and p99 latency of one operation in milliseconds. The
// budget is 5 ms for resolution, 1 ms for the schema switch and 10 ms in
// total.
//
//	resolve-uncached  one tenants-table query (SQLResolver)
//	resolve-cached    a CachedResolver hit
//	tx-baseline       BEGIN + COMMIT, which a transactional job pays anyway
//	switch            BEGIN + set search_path + COMMIT + session reset (no resolution)
//	total-cached      RunInTenant with a CachedResolver, empty handler
//	total-uncached    RunInTenant with an SQLResolver, empty handler
func BenchmarkTenantOverhead(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	sqlResolver := f.resolver(f.db)
	cached := NewCachedResolver(sqlResolver, time.Hour)
	static := ResolverFunc(func(context.Context, string) (Tenant, error) {
		return Tenant{ID: tenantA, Schema: f.schemaA}, nil
	})
	noop := func(context.Context, *sql.Tx) error { return nil }
	run := func(exec *Executor) func() error {
		return func() error { return exec.RunInTenant(ctx, tenantA, noop) }
	}
	resolve := func(r Resolver) func() error {
		return func() error { _, err := r.Resolve(ctx, tenantA); return err }
	}

	for _, bm := range []struct {
		name string
		op   func() error
	}{
		{"resolve-uncached", resolve(sqlResolver)},
		{"resolve-cached", resolve(cached)},
		{"tx-baseline", func() error {
			tx, err := f.db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			return tx.Commit()
		}},
		{"switch", run(NewExecutor(f.db, static))},
		{"total-cached", run(NewExecutor(f.db, cached))},
		{"total-uncached", run(NewExecutor(f.db, sqlResolver))},
	} {
		b.Run(bm.name, func(b *testing.B) {
			if err := bm.op(); err != nil { // warm the connection and the cache
				b.Fatal(err)
			}
			var durations []time.Duration
			for b.Loop() {
				start := time.Now()
				if err := bm.op(); err != nil {
					b.Fatal(err)
				}
				durations = append(durations, time.Since(start))
			}
			reportPercentiles(b, durations)
		})
	}
}

// reportPercentiles reports the p50 and p99 of durations in milliseconds.
func reportPercentiles(b *testing.B, durations []time.Duration) {
	slices.Sort(durations)
	at := func(p float64) float64 {
		i := int(p * float64(len(durations)-1))
		return float64(durations[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
