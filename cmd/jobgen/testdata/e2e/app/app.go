// Package app is the handler package of the end-to-end test's module.
package app

//go:generate jobgen -out ../jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jobsgo/jobs"
)

// GreetArgs are the args of greet.
type GreetArgs struct {
	Name string `json:"name"`
}

// Greeting is the result of greet.
type Greeting struct {
	Text string `json:"text"`
}

// Greet greets.
//
//jobs:handler queue=greetings priority=high max_retries=7
func Greet(ctx context.Context, args GreetArgs) (Greeting, error) {
	return Greeting{Text: "Hello, " + args.Name}, nil
}

// Counter is a service with state, injected into Register.
type Counter struct {
	total    atomic.Int64
	failures atomic.Int64
}

// CountArgs are the args of count.
type CountArgs struct {
	N int `json:"n"`
	// FailTimes makes the first attempts fail.
	FailTimes int `json:"fail_times"`
}

// Count adds N to the counter, after failing FailTimes times.
//
//jobs:handler backoff=constant initial_delay=10ms max_delay=10ms
func (c *Counter) Count(ctx context.Context, args CountArgs) error {
	if c.failures.Load() < int64(args.FailTimes) {
		c.failures.Add(1)
		return errors.New("flaky")
	}
	c.total.Add(int64(args.N))
	return nil
}

// Total returns the sum counted so far.
func (c *Counter) Total() int64 { return c.total.Load() }

// AuditArgs are the args of audit.
type AuditArgs struct {
	Event string `json:"event"`
}

// AuditResult says which tenant audited.
type AuditResult struct {
	Tenant string `json:"tenant"`
	Event  string `json:"event"`
}

// Audit runs in a tenant's scope.
//
//jobs:handler tenant queue=tenants
func Audit(ctx context.Context, tx *sql.Tx, args AuditArgs) (AuditResult, error) {
	id, ok := jobs.TenantIDFromContext(ctx)
	if !ok {
		return AuditResult{}, fmt.Errorf("no tenant in context")
	}
	return AuditResult{Tenant: id, Event: args.Event}, nil
}
