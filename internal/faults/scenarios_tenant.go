package faults

import (
	"context"
	"fmt"
	"time"

	"github.com/jobsgo/jobs/runtime"
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
		ids, err := e.Enqueue(ctx, tenantType, 100, runtime.ForTenant(t))
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
	for tenant, jobs := range items {
		for _, id := range jobs {
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
