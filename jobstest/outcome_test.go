package jobstest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/jobstest"
)

// fakeTB is a testing.TB that records what an assertion reports instead of
// failing the test. Only the methods assertions call are implemented.
type fakeTB struct {
	testing.TB
	helpers int
	errs    []string
	fatal   bool
}

func (f *fakeTB) Helper() { f.helpers++ }
func (f *fakeTB) Errorf(format string, a ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, a...))
}
func (f *fakeTB) Fatalf(format string, a ...any) {
	f.Errorf(format, a...)
	f.fatal = true
}

func TestResult(t *testing.T) {
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		outcome jobstest.Outcome[args, int] // set before Result
		ctx     context.Context
		id      func(ok, failed jobs.Job) string
		want    int
		wantErr error
		errText string
		state   jobs.State // of the *jobs.JobFailedError, if any
	}{
		{
			name:    "no outcome function: not finished, naming the setter",
			id:      func(ok, _ jobs.Job) string { return ok.ID },
			wantErr: jobs.ErrJobNotFinished,
			errText: "MockEnqueuer: plain job ",
		},
		{
			name:    "by args",
			outcome: jobstest.ByArgs(func(a args) (int, error) { return a.N * 10, nil }),
			id:      func(ok, _ jobs.Job) string { return ok.ID },
			want:    70,
		},
		{
			name:    "by tenant and args",
			outcome: jobstest.ByTenantArgs(func(tenant string, a args) (int, error) { return len(tenant) + a.N, nil }),
			id:      func(ok, _ jobs.Job) string { return ok.ID },
			want:    11,
		},
		{
			name:    "an error fails the job after its last attempt",
			outcome: jobstest.ByArgs(func(args) (int, error) { return 1, errBoom }),
			id:      func(ok, _ jobs.Job) string { return ok.ID },
			state:   jobs.StateFailed,
		},
		{
			name:    "ErrJobCancelled cancels it",
			outcome: jobstest.ByArgs(func(args) (int, error) { return 0, fmt.Errorf("stop: %w", jobs.ErrJobCancelled) }),
			id:      func(ok, _ jobs.Job) string { return ok.ID },
			state:   jobs.StateCancelled,
		},
		{
			name:    "nil function adapted stays nil",
			outcome: jobstest.ByArgs[args, int](nil),
			id:      func(ok, _ jobs.Job) string { return ok.ID },
			wantErr: jobs.ErrJobNotFinished,
		},
		{
			name:    "unknown ID",
			outcome: jobstest.ByArgs(func(args) (int, error) { return 1, nil }),
			id:      func(jobs.Job, jobs.Job) string { return "nope" },
			wantErr: jobs.ErrJobNotFound,
			errText: "MockEnqueuer enqueued no plain job nope",
		},
		{
			name:    "the ID of a failed call",
			outcome: jobstest.ByArgs(func(args) (int, error) { return 1, nil }),
			id:      func(_, failed jobs.Job) string { return failed.ID },
			wantErr: jobs.ErrJobNotFound,
		},
		{
			name:    "done context",
			ctx:     cancelled,
			id:      func(ok, _ jobs.Job) string { return ok.ID },
			wantErr: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			ok, err := f.plain.EnqueueForTenant(ctx, "four", args{N: 7})
			if err != nil {
				t.Fatal(err)
			}
			f.plain.Fail(errRedis)
			failed, _ := f.plain.Enqueue(ctx, args{}) // recorded, failed: no ID
			f.plain.SetOutcome(tt.outcome)
			rctx := ctx
			if tt.ctx != nil {
				rctx = tt.ctx
			}
			got, err := f.plain.Result(rctx, tt.id(ok, failed))
			var jf *jobs.JobFailedError
			switch {
			case tt.state != "":
				if !errors.As(err, &jf) || jf.Job.State != tt.state || jf.Job.ID != ok.ID {
					t.Fatalf("error %v, want a *jobs.JobFailedError of job %s in state %s", err, ok.ID, tt.state)
				}
				if jf.Job.Attempt != jf.Job.MaxRetries+1 || jf.Job.Error == nil || jf.Job.Error.Message == "" || jf.Job.Error.Type == "" {
					t.Errorf("failed job %+v, want its last attempt and the error", jf.Job)
				}
			case !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) || !strings.Contains(fmt.Sprint(err), tt.errText):
				t.Fatalf("error %v, want %v containing %q", err, tt.wantErr, tt.errText)
			}
			if got != tt.want {
				t.Errorf("result %d, want %d", got, tt.want)
			}
			if errors.Is(err, jobs.ErrJobNotFinished) && !strings.HasSuffix(err.Error(), "give it one with SetPlainResult") {
				t.Errorf("error %q does not name the setter", err)
			}
		})
	}
}

// TestErrOutcomes covers the adapters of handlers without a result, the
// tenant's included.
func TestErrOutcomes(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		outcome jobstest.Outcome[args, jobstest.NoResult]
		wantErr bool
	}{
		{"err by args, nil", jobstest.ErrByArgs(func(args) error { return nil }), false},
		{"err by args, error", jobstest.ErrByArgs(func(a args) error { return fmt.Errorf("n=%d", a.N) }), true},
		{"err by tenant, nil", jobstest.ErrByTenantArgs(func(tenant string, _ args) error {
			if tenant != "acme" {
				return errors.New("wrong tenant")
			}
			return nil
		}), false},
		{"err by tenant, error", jobstest.ErrByTenantArgs(func(string, args) error { return errors.New("no") }), true},
		{"nil err by args", jobstest.ErrByArgs[args](nil), true},
		{"nil err by tenant", jobstest.ErrByTenantArgs[args](nil), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			job, err := f.tenant.EnqueueForTenant(ctx, "acme", args{N: 1})
			if err != nil {
				t.Fatal(err)
			}
			f.tenant.SetOutcome(tt.outcome)
			if _, err := f.tenant.Result(ctx, job.ID); (err != nil) != tt.wantErr {
				t.Errorf("error %v, want error: %v", err, tt.wantErr)
			}
		})
	}
	if jobstest.ByTenantArgs[args, int](nil) != nil {
		t.Error("ByTenantArgs(nil) is not nil")
	}
}

// TestOutcomeRunsOutsideTheLock lets the outcome function call the mock.
func TestOutcomeRunsOutsideTheLock(t *testing.T) {
	f := newFixture()
	job, _ := f.plain.Enqueue(context.Background(), args{N: 1})
	f.plain.SetOutcome(func(jobstest.Call[args]) (int, error) { return len(f.plain.Calls()) + len(f.j.Jobs()), nil })
	if n, err := f.plain.Result(context.Background(), job.ID); err != nil || n != 2 {
		t.Errorf("Result = %d, %v; want 2, nil", n, err)
	}
}

func TestAssertions(t *testing.T) {
	ctx := context.Background()
	isOne := func(a args) bool { return a.N == 1 }
	tests := []struct {
		name    string
		setup   func(f *fixture)
		assert  func(f *fixture, tb testing.TB) bool
		want    bool
		message string // the one error reported; "" for none
	}{
		{
			name:   "enqueued, any",
			setup:  func(f *fixture) { _, _ = f.plain.Enqueue(ctx, args{N: 2}) },
			assert: func(f *fixture, tb testing.TB) bool { return f.plain.AssertEnqueued(tb, nil) },
			want:   true,
		},
		{
			name:   "enqueued, matching",
			setup:  func(f *fixture) { _, _ = f.plain.EnqueueBatch(ctx, []args{{N: 2}, {N: 1}}) },
			assert: func(f *fixture, tb testing.TB) bool { return f.plain.AssertEnqueued(tb, isOne) },
			want:   true,
		},
		{
			name:    "not enqueued: nothing at all",
			setup:   func(*fixture) {},
			assert:  func(f *fixture, tb testing.TB) bool { return f.plain.AssertEnqueued(tb, nil) },
			message: "MockEnqueuer: no matching plain job was enqueued; calls: none",
		},
		{
			name: "not enqueued: lists the calls, failed ones marked",
			setup: func(f *fixture) {
				_, _ = f.plain.Enqueue(ctx, args{N: 2})
				f.plain.Fail(errRedis)
				_, _ = f.plain.Enqueue(ctx, args{N: 1})
			},
			assert: func(f *fixture, tb testing.TB) bool { return f.plain.AssertEnqueued(tb, isOne) },
			message: "MockEnqueuer: no matching plain job was enqueued; calls: \n\t{N:2 Bad:<nil>}" +
				"\n\t{N:1 Bad:<nil>} (failed: redis: connection refused)",
		},
		{
			name:   "not enqueued as asserted",
			setup:  func(f *fixture) { _, _ = f.plain.Enqueue(ctx, args{N: 2}) },
			assert: func(f *fixture, tb testing.TB) bool { return f.plain.AssertNotEnqueued(tb, isOne) },
			want:   true,
		},
		{
			name: "failed calls do not count as enqueued",
			setup: func(f *fixture) {
				f.plain.Fail(errRedis)
				_, _ = f.plain.Enqueue(ctx, args{N: 1})
			},
			assert: func(f *fixture, tb testing.TB) bool { return f.plain.AssertNotEnqueued(tb, nil) },
			want:   true,
		},
		{
			name:    "enqueued though asserted not",
			setup:   func(f *fixture) { _, _ = f.plain.EnqueueBatch(ctx, []args{{N: 1}, {N: 2}, {N: 1}}) },
			assert:  func(f *fixture, tb testing.TB) bool { return f.plain.AssertNotEnqueued(tb, isOne) },
			message: "MockEnqueuer: 2 matching plain job(s) enqueued: \n\t{N:1 Bad:<nil>}\n\t{N:1 Bad:<nil>}",
		},
		{
			name:   "nothing enqueued",
			setup:  func(f *fixture) { f.plain.Fail(errRedis); _, _ = f.plain.Enqueue(ctx, args{N: 1}) },
			assert: func(f *fixture, tb testing.TB) bool { return f.j.AssertNothingEnqueued(tb) },
			want:   true,
		},
		{
			name: "something enqueued, of any type",
			setup: func(f *fixture) {
				_, _ = f.plain.Enqueue(ctx, args{N: 1})
				_, _ = f.tenant.EnqueueForTenant(ctx, "acme", args{N: 2})
			},
			assert:  func(f *fixture, tb testing.TB) bool { return f.j.AssertNothingEnqueued(tb) },
			message: "MockEnqueuer: want no job enqueued, got 2: \n\tplain {\"n\":1}\n\ttenanted {\"n\":2}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			tt.setup(f)
			tb := &fakeTB{}
			if got := tt.assert(f, tb); got != tt.want {
				t.Errorf("assertion returned %v, want %v", got, tt.want)
			}
			if tb.helpers == 0 {
				t.Error("the assertion did not call t.Helper")
			}
			if tb.fatal {
				t.Error("the assertion stopped the test; it must only report")
			}
			switch {
			case tt.message == "" && len(tb.errs) != 0:
				t.Errorf("unexpected report: %q", tb.errs)
			case tt.message != "" && (len(tb.errs) != 1 || tb.errs[0] != tt.message):
				t.Errorf("reported %q, want exactly\n%q", tb.errs, tt.message)
			}
		})
	}
}

func TestResultOfAnotherTypesJob(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	other, err := f.tenant.EnqueueForTenant(ctx, "acme", args{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	f.plain.SetOutcome(jobstest.ByArgs(func(args) (int, error) { return 1, nil }))
	_, err = f.plain.Result(ctx, other.ID)
	if !errors.Is(err, jobs.ErrWrongJobType) || err.Error() != "wrong job type: job "+other.ID+" is a tenanted job, not plain" {
		t.Fatalf("result of a tenanted job as a plain one: %v, want ErrWrongJobType like the real client", err)
	}
}
