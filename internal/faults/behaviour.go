package faults

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// Behaviour is what the worker's handler of one job type does on each
// attempt, in this order: exit the process, fail, sleep, hang.
type Behaviour struct {
	// Sleep is how long the handler works. It stops early with the
	// context's error when its context ends, unless IgnoreContext.
	Sleep time.Duration
	// IgnoreContext makes Sleep run its full length whatever the context.
	IgnoreContext bool
	// Hang blocks the handler for good after Sleep, ignoring its context.
	Hang bool
	// FailAttempts makes attempts 1 to FailAttempts return an error.
	FailAttempts int
	// ExitCode, when not 0, ends the worker process with os.Exit at the
	// start of every attempt, as a crash or an OOM kill would.
	ExitCode int
	// TempTable makes a tenant handler create a temporary table named
	// items, as the tenant's own table is, before it inserts its row: a
	// search_path that puts pg_temp first sends the row there, and the
	// table outlives the job on its connection unless the session is reset.
	TempTable bool
}

// String is the flag form ParseBehaviour reads: comma-separated items
// "sleep=D", "ignorectx", "hang", "fail=N", "exit=CODE", "temptable"; ""
// does nothing.
func (b Behaviour) String() string {
	var items []string
	if b.Sleep > 0 {
		items = append(items, "sleep="+b.Sleep.String())
	}
	if b.IgnoreContext {
		items = append(items, "ignorectx")
	}
	if b.Hang {
		items = append(items, "hang")
	}
	if b.FailAttempts > 0 {
		items = append(items, "fail="+strconv.Itoa(b.FailAttempts))
	}
	if b.ExitCode != 0 {
		items = append(items, "exit="+strconv.Itoa(b.ExitCode))
	}
	if b.TempTable {
		items = append(items, "temptable")
	}
	return strings.Join(items, ",")
}

// ParseBehaviour parses the form String writes.
func ParseBehaviour(s string) (Behaviour, error) {
	var b Behaviour
	if s == "" {
		return b, nil
	}
	for item := range strings.SplitSeq(s, ",") {
		key, value, hasValue := strings.Cut(item, "=")
		var err error
		switch {
		case key == "sleep" && hasValue:
			b.Sleep, err = time.ParseDuration(value)
		case key == "fail" && hasValue:
			b.FailAttempts, err = strconv.Atoi(value)
		case key == "exit" && hasValue:
			b.ExitCode, err = strconv.Atoi(value)
		case key == "ignorectx" && !hasValue:
			b.IgnoreContext = true
		case key == "hang" && !hasValue:
			b.Hang = true
		case key == "temptable" && !hasValue:
			b.TempTable = true
		default:
			return Behaviour{}, fmt.Errorf("behaviour %q: unknown item %q (want sleep=D, ignorectx, hang, fail=N, exit=CODE or temptable)", s, item)
		}
		if err != nil {
			return Behaviour{}, fmt.Errorf("behaviour %q: item %q: %w", s, item, err)
		}
	}
	if b.Sleep < 0 || b.FailAttempts < 0 {
		return Behaviour{}, fmt.Errorf("behaviour %q: negative sleep or fail count", s)
	}
	return b, nil
}

// Handler returns a handler that behaves as b and records the start and
// the end of every attempt in ledger.
func (b Behaviour) Handler(ledger *LedgerWriter) runtime.Handler {
	return func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		ledger.Record(EventStart, job, "", true)
		err := b.run(ctx, job)
		ledger.Record(EventEnd, job, "", err == nil)
		return nil, err
	}
}

// TenantHandler returns a tenant handler that inserts a row (job ID,
// attempt, process ID) into the items table of its transaction's schema,
// the tenant's (after creating a temporary items table if b.TempTable),
// then behaves as b; the ledger records the start and the
// end of every attempt. A row exists for every attempt that committed.
func (b Behaviour) TenantHandler(ledger *LedgerWriter) runtime.TenantHandler {
	return func(ctx context.Context, tx *sql.Tx, job jobs.Job) (json.RawMessage, error) {
		ledger.Record(EventStart, job, "", true)
		var err error
		if b.TempTable {
			_, err = tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS items (job_id text NOT NULL, attempt int NOT NULL, pid int NOT NULL)`)
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO items (job_id, attempt, pid) VALUES ($1, $2, $3)`, job.ID, job.Attempt, os.Getpid())
		}
		if err == nil {
			err = b.run(ctx, job)
		}
		ledger.Record(EventEnd, job, "", err == nil)
		return nil, err
	}
}

func (b Behaviour) run(ctx context.Context, job jobs.Job) error {
	if b.ExitCode != 0 {
		os.Exit(b.ExitCode)
	}
	if job.Attempt <= b.FailAttempts {
		return fmt.Errorf("attempt %d of %d set to fail", job.Attempt, b.FailAttempts)
	}
	if b.IgnoreContext {
		time.Sleep(b.Sleep)
	} else {
		t := time.NewTimer(b.Sleep)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	if b.Hang {
		select {}
	}
	return nil
}

// LedgerBackend is a backend that records in a ledger every outcome its
// worker stores (Ack and AckDequeue), and whether it was stored.
type LedgerBackend struct {
	AckDequeueBackend
	ledger *LedgerWriter
}

// AckDequeueBackend is a backend that can store an outcome and take the
// next job in one call, as the Redis backend does.
type AckDequeueBackend interface {
	jobs.Backend
	jobs.AckDequeuer
}

// NewLedgerBackend wraps b so that its outcomes are recorded in ledger.
func NewLedgerBackend(b AckDequeueBackend, ledger *LedgerWriter) *LedgerBackend {
	return &LedgerBackend{AckDequeueBackend: b, ledger: ledger}
}

// Ack stores the outcome and records it.
func (b *LedgerBackend) Ack(ctx context.Context, job jobs.Job) error {
	err := b.AckDequeueBackend.Ack(ctx, job)
	b.ledger.Record(EventAck, job, job.State, err == nil)
	return err
}

// Clock passes on the wrapped backend's clock (jobs.TimeSource), so
// that the pool decides on the same clock as the backend: the Redis
// server's.
func (b *LedgerBackend) Clock() jobs.Clock {
	if ts, ok := b.AckDequeueBackend.(jobs.TimeSource); ok {
		return ts.Clock()
	}
	return runtime.SystemClock{}
}

// Preflight runs the wrapped backend's start-up check
// (jobs.Preflighter), so that the pool refuses to start where the
// backend would.
func (b *LedgerBackend) Preflight(ctx context.Context) error {
	if p, ok := b.AckDequeueBackend.(jobs.Preflighter); ok {
		return p.Preflight(ctx)
	}
	return nil
}

// AckDequeue stores the outcome, records it and takes the next job.
func (b *LedgerBackend) AckDequeue(ctx context.Context, job jobs.Job, lease time.Duration) ([]jobs.Job, error) {
	next, err := b.AckDequeueBackend.AckDequeue(ctx, job, lease)
	b.ledger.Record(EventAck, job, job.State, err == nil)
	return next, err
}
