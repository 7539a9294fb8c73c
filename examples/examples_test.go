package examples_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/examples"
	"github.com/jobsgo/jobs/generated"
	"github.com/jobsgo/jobs/generated/generatedmock"
)

// Signup is application code that enqueues: it depends on the generated
// Enqueuer interface, so production passes a *generated.Client and tests a
// *generatedmock.MockEnqueuer.
type Signup struct {
	Jobs generated.Enqueuer

	mu    sync.Mutex
	users map[string]string // email -> name
}

// ErrTaken means the email address has an account already.
var ErrTaken = errors.New("email taken")

// SignUp creates an account and queues its welcome email (one per address:
// the job ID makes a retried sign-up idempotent) and a reminder a day later.
func (s *Signup) SignUp(ctx context.Context, email, name string) error {
	s.mu.Lock()
	if s.users == nil {
		s.users = make(map[string]string)
	}
	if _, ok := s.users[email]; ok {
		s.mu.Unlock()
		return ErrTaken
	}
	s.users[email] = name
	s.mu.Unlock()

	welcome := examples.SendEmailArgs{To: email, Subject: "Welcome, " + name, Body: "Thanks for joining."}
	if _, err := s.Jobs.EnqueueSendEmail(ctx, welcome, jobs.WithJobID("welcome:"+email)); err != nil {
		s.mu.Lock()
		delete(s.users, email) // no account without its welcome email
		s.mu.Unlock()
		return fmt.Errorf("sign up %s: %w", email, err)
	}
	reminder := examples.SendEmailArgs{To: email, Subject: "Getting started", Body: "Here are three tips."}
	if _, err := s.Jobs.ScheduleSendEmail(ctx, time.Now().Add(24*time.Hour), reminder, jobs.WithPriority(jobs.PriorityLow)); err != nil {
		return fmt.Errorf("sign up %s: schedule reminder: %w", email, err)
	}
	return nil
}

func TestSignUpEnqueuesWelcomeEmail(t *testing.T) {
	mock := &generatedmock.MockEnqueuer{}
	s := &Signup{Jobs: mock}
	if err := s.SignUp(context.Background(), "ada@example.com", "Ada"); err != nil {
		t.Fatal(err)
	}

	mock.AssertSendEmailEnqueued(t, func(a examples.SendEmailArgs) bool {
		return a.To == "ada@example.com" && a.Subject == "Welcome, Ada"
	})
	mock.AssertChargeInvoiceNotEnqueued(t, nil)

	calls := mock.SendEmailCalls()
	if len(calls) != 2 {
		t.Fatalf("got %d send_email calls, want 2", len(calls))
	}
	welcome, reminder := calls[0], calls[1]
	// The options are resolved with the annotation's defaults first.
	if o := welcome.Options; o.Queue != "emails" || o.Priority != jobs.PriorityHigh || *o.MaxRetries != 5 || o.JobID != "welcome:ada@example.com" {
		t.Errorf("welcome options = %+v; want queue emails, priority high, 5 retries, the welcome job ID", o)
	}
	if welcome.Job.ID != "welcome:ada@example.com" || welcome.Job.State != jobs.StatePending {
		t.Errorf("welcome job = %s %s; want a pending job with the given ID", welcome.Job.ID, welcome.Job.State)
	}
	// The caller's priority wins over the annotation's; Schedule records its time.
	if reminder.Options.Priority != jobs.PriorityLow || reminder.At.IsZero() || reminder.Job.State != jobs.StateScheduled {
		t.Errorf("reminder = priority %s, at %s, state %s; want low, a time, scheduled", reminder.Options.Priority, reminder.At, reminder.Job.State)
	}
	if batch := mock.Jobs(); len(batch) != 2 || batch[0].Type != generated.TypeSendEmail {
		t.Errorf("Jobs() = %d jobs; want the 2 send_email jobs", len(batch))
	}
}

func TestSignUpFailsWhenTheQueueIsDown(t *testing.T) {
	mock := &generatedmock.MockEnqueuer{}
	mock.FailSendEmail(errors.New("redis: connection refused"))
	s := &Signup{Jobs: mock}

	err := s.SignUp(context.Background(), "bob@example.com", "Bob")
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("SignUp = %v; want the enqueue error", err)
	}
	mock.AssertNothingEnqueued(t)
	if calls := mock.SendEmailCalls(); len(calls) != 1 || calls[0].Err == nil {
		t.Errorf("calls = %+v; want the one failed attempt recorded", calls)
	}

	// The account was rolled back, so signing up again works once the
	// queue is back.
	mock.FailSendEmail(nil)
	if err := s.SignUp(context.Background(), "bob@example.com", "Bob"); err != nil {
		t.Fatalf("second SignUp = %v", err)
	}
	mock.AssertSendEmailEnqueued(t, func(a examples.SendEmailArgs) bool { return a.To == "bob@example.com" })
}

func TestMockValidatesLikeTheClient(t *testing.T) {
	var mock generatedmock.MockEnqueuer // the zero value is ready
	ctx := context.Background()
	if _, err := mock.EnqueueNotifyUsersForTenant(ctx, "", examples.NotifyUsersArgs{Kind: "x"}); !errors.Is(err, jobs.ErrInvalidJob) {
		t.Errorf("tenant job without tenant: err = %v, want ErrInvalidJob", err)
	}
	if _, err := mock.EnqueueBulkExport(ctx, examples.BulkExportArgs{}, jobs.WithQueue("bad{queue}")); !errors.Is(err, jobs.ErrInvalidJob) {
		t.Errorf("bad queue: err = %v, want ErrInvalidJob", err)
	}
	job, err := mock.EnqueueNotifyUsersForTenant(ctx, "acme", examples.NotifyUsersArgs{UserIDs: []int64{1}, Kind: "digest"})
	if err != nil || job.TenantID != "acme" || job.Queue != "notifications" {
		t.Errorf("tenant job = %+v, %v; want tenant acme on queue notifications", job, err)
	}
	if calls := mock.NotifyUsersCalls(); len(calls) != 2 || calls[1].TenantID != "acme" {
		t.Errorf("calls = %+v; want both recorded, the second for acme", calls)
	}
	mock.Reset()
	mock.AssertNothingEnqueued(t)
}

func TestMockIsSafeForConcurrentUse(t *testing.T) {
	mock := &generatedmock.MockEnqueuer{}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			_, _ = mock.EnqueueProcessImage(context.Background(), examples.ProcessImageArgs{SourceKey: fmt.Sprint(i)})
		})
	}
	wg.Wait()
	if n := len(mock.ProcessImageCalls()); n != 20 {
		t.Errorf("recorded %d calls, want 20", n)
	}
}

func TestSendEmail(t *testing.T) {
	res, err := examples.SendEmail(context.Background(), examples.SendEmailArgs{To: "Ada <ada@example.com>", Subject: "Hi", Body: "Hello", Headers: map[string]string{"X-B": "2", "X-A": "1"}})
	if err != nil || !strings.HasSuffix(res.MessageID, "@jobs.example>") || res.Bytes == 0 {
		t.Errorf("SendEmail = %+v, %v", res, err)
	}
	_, err = examples.SendEmail(context.Background(), examples.SendEmailArgs{To: "not an address", Subject: "Hi"})
	if !errors.Is(err, jobs.ErrSkipRetry) {
		t.Errorf("bad address: err = %v, want a permanent error", err)
	}
}

func TestProcessImage(t *testing.T) {
	res, err := examples.ProcessImage(context.Background(), examples.ProcessImageArgs{SourceKey: "up/cat.png", Width: 4000, Height: 3000, MaxSide: 400, Format: examples.FormatWebP})
	if err != nil || res != (examples.ProcessImageResult{OutputKey: "up/cat_400x300.webp", Width: 400, Height: 300}) {
		t.Errorf("ProcessImage = %+v, %v", res, err)
	}
	if _, err := examples.ProcessImage(context.Background(), examples.ProcessImageArgs{SourceKey: "a", Width: 1, Height: 1, MaxSide: 1, Format: "bmp"}); !errors.Is(err, jobs.ErrSkipRetry) {
		t.Errorf("bad format: err = %v, want a permanent error", err)
	}
}

type ledger []examples.Sale

func (l ledger) Sales(_ context.Context, from, to time.Time) ([]examples.Sale, error) {
	var out []examples.Sale
	for _, s := range l {
		if !s.At.Before(from) && s.At.Before(to) {
			out = append(out, s)
		}
	}
	return out, nil
}

func TestGenerateReport(t *testing.T) {
	day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	r := &examples.Reports{Source: ledger{{"eu", 500, day}, {"us", 700, day.Add(time.Hour)}, {"eu", 100, day.Add(48 * time.Hour)}}}
	res, err := r.GenerateReport(context.Background(), examples.ReportArgs{From: day, To: day.Add(24 * time.Hour)})
	if err != nil || res.Sales != 2 || res.TotalCents != 1200 || res.ByRegion["eu"] != 500 {
		t.Errorf("GenerateReport = %+v, %v", res, err)
	}
}

func TestBulkExportStopsWhenCancelled(t *testing.T) {
	res, err := examples.BulkExport(context.Background(), examples.BulkExportArgs{Dataset: "orders", Records: 2500, ChunkSize: 1000})
	if err != nil || res.Chunks != 3 || len(res.Checksum) != 16 {
		t.Errorf("BulkExport = %+v, %v", res, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := examples.BulkExport(ctx, examples.BulkExportArgs{Dataset: "orders", Records: 10, ChunkSize: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled export: err = %v", err)
	}
}

type gateway struct{ failures, declines int }

func (g *gateway) Charge(_ context.Context, key string, cents int64, currency string) (string, error) {
	switch {
	case g.declines > 0:
		return "", examples.ErrCardDeclined
	case g.failures > 0:
		g.failures--
		return "", errors.New("gateway timeout")
	}
	return "ch_" + key, nil
}

func TestChargeInvoice(t *testing.T) {
	args := examples.ChargeInvoiceArgs{InvoiceID: "inv-1", Cents: 4200, Currency: "eur"}
	b := &examples.Billing{Gateway: &gateway{failures: 1}}
	if _, err := b.ChargeInvoice(context.Background(), args); err == nil || errors.Is(err, jobs.ErrSkipRetry) {
		t.Errorf("flaky gateway: err = %v, want a retryable error", err)
	}
	if res, err := b.ChargeInvoice(context.Background(), args); err != nil || res.ChargeID != "ch_invoice:inv-1" {
		t.Errorf("second attempt = %+v, %v", res, err)
	}
	b = &examples.Billing{Gateway: &gateway{declines: 1}}
	if _, err := b.ChargeInvoice(context.Background(), args); !errors.Is(err, jobs.ErrSkipRetry) {
		t.Errorf("declined card: err = %v, want a permanent error", err)
	}
}
