package examples_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/examples"
	"github.com/jobsgo/jobs/generated"
	"github.com/jobsgo/jobs/generated/generatedmock"
	"github.com/jobsgo/jobs/runtime"
)

// Checkout is application code that enqueues a charge and waits for its
// typed result: it depends on the generated Enqueuer and Results
// interfaces, which *generated.Client and *generatedmock.MockEnqueuer both
// implement.
type Checkout struct {
	Jobs interface {
		generated.Enqueuer
		generated.Results
	}
}

// Pay charges an invoice and returns the charge's ID.
func (c *Checkout) Pay(ctx context.Context, invoiceID string, cents int64) (string, error) {
	job, err := c.Jobs.EnqueueChargeInvoice(ctx, examples.ChargeInvoiceArgs{InvoiceID: invoiceID, Cents: cents, Currency: "eur"})
	if err != nil {
		return "", err
	}
	res, err := c.Jobs.WaitChargeInvoice(ctx, job.ID)
	if err != nil {
		return "", fmt.Errorf("pay %s: %w", invoiceID, err)
	}
	return res.ChargeID, nil
}

func TestPayWithTheMock(t *testing.T) {
	ctx := context.Background()
	mock := &generatedmock.MockEnqueuer{}
	c := &Checkout{Jobs: mock}

	// Without an outcome the mock's job never finishes; Wait says so at once.
	if _, err := c.Pay(ctx, "INV-1", 100); !errors.Is(err, jobs.ErrJobNotFinished) {
		t.Errorf("Pay without an outcome: err = %v, want ErrJobNotFinished", err)
	}

	mock.SetChargeInvoiceResult(func(a examples.ChargeInvoiceArgs) (examples.ChargeResult, error) {
		if a.Cents > 1000 {
			return examples.ChargeResult{}, examples.ErrCardDeclined
		}
		return examples.ChargeResult{ChargeID: "ch_" + a.InvoiceID}, nil
	})
	if id, err := c.Pay(ctx, "INV-2", 100); err != nil || id != "ch_INV-2" {
		t.Errorf("Pay = %q, %v; want ch_INV-2", id, err)
	}
	_, err := c.Pay(ctx, "INV-3", 5000)
	var failed *jobs.JobFailedError
	if !errors.As(err, &failed) || !errors.Is(err, jobs.ErrJobFailed) {
		t.Fatalf("declined Pay: err = %v, want a *jobs.JobFailedError", err)
	}
	if failed.Job.State != jobs.StateFailed || failed.Job.Error.Message != "card declined" || failed.Job.Type != generated.TypeChargeInvoice {
		t.Errorf("failed job = %s %s %+v; want a failed charge_invoice job with the error's message", failed.Job.Type, failed.Job.State, failed.Job.Error)
	}

	// The outcome function sees every job, enqueued before it was set too.
	first := mock.ChargeInvoiceCalls()[0].Job.ID
	if res, err := mock.ResultChargeInvoice(ctx, first); err != nil || res.ChargeID != "ch_INV-1" {
		t.Errorf("ResultChargeInvoice(first) = %+v, %v", res, err)
	}
	if _, err := mock.ResultChargeInvoice(ctx, "no-such-job"); !errors.Is(err, jobs.ErrJobNotFound) {
		t.Errorf("unknown ID: err = %v, want ErrJobNotFound", err)
	}
	job, _ := mock.EnqueueCleanupSessions(ctx, examples.CleanupSessionsArgs{OlderThan: time.Hour})
	mock.SetCleanupSessionsResult(func(examples.CleanupSessionsArgs) error { return jobs.ErrJobCancelled })
	if err := mock.WaitCleanupSessions(ctx, job.ID); !errors.Is(err, jobs.ErrJobCancelled) {
		t.Errorf("cancelled cleanup: err = %v, want ErrJobCancelled", err)
	}
	mock.Reset()
	if _, err := mock.WaitChargeInvoice(ctx, first); !errors.Is(err, jobs.ErrJobNotFound) {
		t.Errorf("after Reset: err = %v, want ErrJobNotFound", err)
	}
}

// cardGateway declines charges above 10.00.
type cardGateway struct{}

func (cardGateway) Charge(_ context.Context, key string, cents int64, _ string) (string, error) {
	if cents > 1000 {
		return "", examples.ErrCardDeclined
	}
	return "ch_" + strings.TrimPrefix(key, "invoice:"), nil
}

func TestPayOnTheMemoryBackend(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	backend := memory.New()
	reg := runtime.NewRegistry()
	if err := generated.Register(reg, &examples.Billing{Gateway: cardGateway{}}, &examples.Reports{Source: ledger{}}); err != nil {
		t.Fatal(err)
	}
	pool, err := runtime.NewPool(backend, reg, runtime.PoolConfig{
		Queues:  map[string]int{"billing": 2},
		Tenants: noTenants{},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer pool.Shutdown(context.Background())

	c := &Checkout{Jobs: generated.NewClient(runtime.NewClient(backend))}
	if id, err := c.Pay(ctx, "INV-7", 999); err != nil || id != "ch_INV-7" {
		t.Errorf("Pay = %q, %v; want ch_INV-7", id, err)
	}
	if _, err := c.Pay(ctx, "INV-8", 5000); !errors.Is(err, jobs.ErrJobFailed) || !strings.Contains(err.Error(), "card declined") {
		t.Errorf("declined Pay: err = %v, want the failed job's error", err)
	}
}

func TestMockBatchRecordsEveryJob(t *testing.T) {
	ctx := context.Background()
	mock := &generatedmock.MockEnqueuer{}
	emails := []examples.SendEmailArgs{{To: "a@example.com"}, {To: "b@example.com"}}
	batch, err := mock.EnqueueSendEmailBatch(ctx, emails, jobs.Unique(time.Hour))
	if err != nil || len(batch) != 2 {
		t.Fatalf("batch = %d jobs, %v", len(batch), err)
	}
	calls := mock.SendEmailCalls()
	if len(calls) != 2 || calls[1].Args.To != "b@example.com" || calls[1].Job.ID != batch[1].ID {
		t.Fatalf("calls = %+v; want one per job, in order", calls)
	}
	// The annotation's defaults come first; unset fields stay zero in
	// Options while the job carries the runtime's defaults.
	o := calls[0].Options
	if o.Queue != "emails" || o.Unique == nil || o.Unique.TTL != time.Hour || o.Timeout != 0 {
		t.Errorf("options = %+v; want queue emails, unique for an hour, no timeout", o)
	}
	if j := calls[0].Job; j.Queue != "emails" || j.UniqueKey == "" {
		t.Errorf("job = queue %s, unique key %q; want emails and a key", j.Queue, j.UniqueKey)
	}

	// All or none: a failing batch enqueues nothing and records every call
	// with the error.
	mock.Reset()
	mock.FailSendEmail(errors.New("redis: connection refused"))
	if _, err := mock.EnqueueSendEmailBatch(ctx, emails); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("failing batch: err = %v", err)
	}
	mock.AssertNothingEnqueued(t)
	if calls := mock.SendEmailCalls(); len(calls) != 2 || calls[0].Err == nil {
		t.Errorf("calls = %+v; want both recorded as failed", calls)
	}
}

func TestPeriodicAppliesTheAnnotation(t *testing.T) {
	s, err := generated.PeriodicChargeInvoice("nightly", "0 3 * * *", examples.ChargeInvoiceArgs{InvoiceID: "sub-1", Cents: 900, Currency: "eur"}, jobs.WithMaxRetries(9))
	if err != nil {
		t.Fatal(err)
	}
	o := jobs.ResolveEnqueueOptions(s.Options...)
	if s.JobType != generated.TypeChargeInvoice || o.Queue != "billing" || o.Priority != jobs.PriorityCritical || *o.MaxRetries != 9 || o.Retry != nil || o.Timeout != 0 {
		t.Errorf("schedule %s with options %+v; want charge_invoice on billing, critical, the caller's 9 retries, and no copy of the annotation's retry policy and timeout (the registration holds them)", s.JobType, o)
	}
	if string(s.Args) != `{"invoice_id":"sub-1","cents":900,"currency":"eur"}` {
		t.Errorf("args = %s", s.Args)
	}
	if _, err := generated.PeriodicNotifyUsersForTenant("digest", "@daily", "", examples.NotifyUsersArgs{}); !errors.Is(err, jobs.ErrInvalidJob) {
		t.Errorf("tenant schedule without tenant: err = %v, want ErrInvalidJob", err)
	}
}

// TestAnnotationPolicyIsNotCopiedOntoJobs: the annotation's retry policy
// and timeout live in the registration (WithHandlerRetry,
// WithHandlerTimeout), decided when the job runs; the generated client no
// longer stamps copies on each job, which used to win over a redeployed
// annotation. A caller's option still sets them for one job.
func TestAnnotationPolicyIsNotCopiedOntoJobs(t *testing.T) {
	ctx := t.Context()
	client := generated.NewClient(runtime.NewClient(memory.New()))
	args := examples.ProcessImageArgs{SourceKey: "uploads/a.png", Width: 800, Height: 600, MaxSide: 100, Format: examples.FormatPNG}
	tests := []struct {
		name        string
		opts        []jobs.EnqueueOption
		wantTimeout time.Duration
		wantRetry   bool
	}{
		{"annotation only", nil, 0, false},
		{"caller's own", []jobs.EnqueueOption{jobs.WithTimeout(time.Second), jobs.WithRetryPolicy(jobs.RetryPolicy{Backoff: jobs.BackoffConstant})}, time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job, err := client.EnqueueProcessImage(ctx, args, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if job.Queue != "media" || job.Timeout != tt.wantTimeout || (job.Retry != nil) != tt.wantRetry {
				t.Fatalf("job on %s with timeout %s and retry policy %v; want media, %s, policy set %v",
					job.Queue, job.Timeout, job.Retry, tt.wantTimeout, tt.wantRetry)
			}
		})
	}
}
