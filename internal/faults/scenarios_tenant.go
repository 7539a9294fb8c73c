package faults

import (
	"context"
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
)

// tenantType is the job type of the suite's tenant jobs.
const tenantType = "tenant-work"

// tenantSIGKILL runs tenant jobs of three tenants, each inserting a row
// into its tenant's schema, and kills one of three workers while it holds
// jobs. Every job must have committed its row in its own tenant's schema
// and nowhere else, once, or twice only if the killed worker held it.
func tenantSIGKILL(ctx context.Context, e *Env) error {
	tenants := []string{"alpha", "beta", "gamma"}
	if err := e.StartRedis(); err != nil {
		return err
	}
	if err := e.StartPostgres(ctx); err != nil {
		return err
	}
	if err := e.CreateTenants(ctx, tenants...); err != nil {
		return err
	}
	tenantOf := make(map[string]string)
	for _, t := range tenants {
		ids, err := e.Enqueue(ctx, tenantType, 100, noArgs, jobs.ForTenant(t))
		if err != nil {
			return err
		}
		for _, id := range ids {
			tenantOf[id] = t
		}
	}
	o := WorkerOptions{TenantHandlers: map[string]Behaviour{tenantType: {Sleep: 20 * time.Millisecond}}}
	ws, err := e.StartWorkers(3, o)
	if err != nil {
		return err
	}
	victim := ws[0]
	held, killedAt, err := killHolding(ctx, e, victim, 20)
	if err != nil {
		return err
	}
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return err
	}
	items, err := e.TenantItems(ctx, tenants...)
	if err != nil {
		return err
	}
	if err := checkTenantRows(tenantOf, items, held); err != nil {
		return err
	}
	e.Note("%d jobs of %d tenants; the killed worker held %d", len(tenantOf), len(tenants), len(held))
	return recordRestart(e, held, victim, killedAt)
}

// checkTenantRows checks that every job's rows are in its own tenant's
// items and that it has one, or more only when it is in mayRepeat.
func checkTenantRows(tenantOf map[string]string, items map[string][]string, mayRepeat []string) error {
	repeat := make(map[string]bool, len(mayRepeat))
	for _, id := range mayRepeat {
		repeat[id] = true
	}
	rows := make(map[string]int)
	for tenant, batch := range items {
		for _, id := range batch {
			if tenantOf[id] != tenant {
				return fmt.Errorf("tenant %s holds a row of job %s, a job of tenant %q", tenant, id, tenantOf[id])
			}
			rows[id]++
		}
	}
	for id := range tenantOf {
		if n := rows[id]; n == 0 || (n > 1 && !repeat[id]) {
			return fmt.Errorf("job %s committed %d rows in tenant %s; want 1", id, n, tenantOf[id])
		}
	}
	return nil
}

// tenantTempTable runs, on one worker slot and one PostgreSQL connection,
// jobs of tenant alpha that create a temporary table named items (as the
// tenants' own table is) before inserting their row, alternating with jobs
// of tenant beta: every row must land in its own tenant's items table,
// neither in alpha's temporary table (pg_temp searched first) nor, for
// beta, in one alpha left on the connection.
func tenantTempTable(ctx context.Context, e *Env) error {
	const pairs = 20
	if err := e.StartRedis(); err != nil {
		return err
	}
	if err := e.StartPostgres(ctx); err != nil {
		return err
	}
	if err := e.CreateTenants(ctx, "alpha", "beta"); err != nil {
		return err
	}
	tenantOf := make(map[string]string)
	for range pairs {
		for _, t := range []struct{ tenant, jobType string }{{"alpha", "tenant-temp"}, {"beta", tenantType}} {
			ids, err := e.Enqueue(ctx, t.jobType, 1, noArgs, jobs.ForTenant(t.tenant))
			if err != nil {
				return err
			}
			tenantOf[ids[0]] = t.tenant
		}
	}
	o := WorkerOptions{Workers: 1, DBConns: 1, TenantHandlers: map[string]Behaviour{
		"tenant-temp": {TempTable: true}, tenantType: {},
	}}
	if _, err := e.StartWorker(o); err != nil {
		return err
	}
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return err
	}
	items, err := e.TenantItems(ctx, "alpha", "beta")
	if err != nil {
		return err
	}
	if err := checkTenantRows(tenantOf, items, nil); err != nil {
		return err
	}
	e.Note("%d alpha jobs with a TEMP TABLE items alternating with %d beta jobs on one connection: each row in its tenant's table", pairs, pairs)
	return nil
}
