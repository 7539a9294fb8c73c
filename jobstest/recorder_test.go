package jobstest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/jobstest"
)

// args are the args of the test job types. Bad, when set to a func, makes
// them impossible to encode.
type args struct {
	N   int `json:"n"`
	Bad any `json:"bad,omitempty"`
}

// fixedClock is a jobs.Clock that always says t.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var (
	t0       = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	errRedis = errors.New("redis: connection refused")
	// errNoTenant stands for the generated errNoTenant of a tenant job type.
	errNoTenant = fmt.Errorf("%w: job type tenanted needs a tenant ID", jobs.ErrInvalidJob)
)

// fixture is a journal on a fixed clock with a plain recorder and a tenant
// one, as a generated mock has them.
type fixture struct {
	clock  jobs.Clock
	j      *jobstest.Journal
	plain  *jobstest.Recorder[args, int]
	tenant *jobstest.Recorder[args, jobstest.NoResult]
}

func newFixture() *fixture {
	f := &fixture{clock: fixedClock{t0}}
	f.j = jobstest.NewJournal(&f.clock)
	f.plain = jobstest.NewRecorder[args, int](f.j, jobstest.Spec{JobType: "plain", Setter: "SetPlainResult"})
	f.tenant = jobstest.NewRecorder[args, jobstest.NoResult](f.j, jobstest.Spec{JobType: "tenanted", Setter: "SetTenantedResult", NoTenant: errNoTenant})
	return f
}

func TestRecordOneCall(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	later := t0.Add(time.Hour)
	defaults := []jobs.EnqueueOption{jobs.WithQueue("mail"), jobs.WithMaxRetries(7)}
	tests := []struct {
		name    string
		fail    error // injected with Fail first
		call    func(f *fixture) (jobs.Job, error)
		want    jobstest.Call[args] // Args.N, TenantID and At; check looks at the rest
		wantErr error               // errors.Is; nil: success
		errText string              // substring of the error
		check   func(t *testing.T, c jobstest.Call[args])
	}{
		{
			name: "enqueue resolves the defaults then the caller's options",
			call: func(f *fixture) (jobs.Job, error) {
				return f.plain.Enqueue(context.Background(), args{N: 1}, append(defaults, jobs.WithQueue("urgent"))...)
			},
			want: jobstest.Call[args]{Args: args{N: 1}},
			check: func(t *testing.T, c jobstest.Call[args]) {
				if c.Options.Queue != "urgent" || *c.Options.MaxRetries != 7 {
					t.Errorf("options %+v, want queue urgent and max retries 7", c.Options)
				}
				if c.Job.Type != "plain" || c.Job.Queue != "urgent" || c.Job.State != jobs.StatePending || !c.Job.CreatedAt.Equal(t0) {
					t.Errorf("job %+v, want a pending plain job on urgent created at t0", c.Job)
				}
				if string(c.Job.Args) != `{"n":1}` {
					t.Errorf("job args %s", c.Job.Args)
				}
			},
		},
		{
			name: "schedule records at and runs the job then",
			call: func(f *fixture) (jobs.Job, error) {
				return f.plain.Schedule(context.Background(), later, args{N: 2}, jobs.RunIn(time.Minute))
			},
			want: jobstest.Call[args]{Args: args{N: 2}, At: later},
			check: func(t *testing.T, c jobstest.Call[args]) {
				if !c.Options.RunAt.Equal(later) || c.Options.RunIn != 0 {
					t.Errorf("options %+v: RunAt must come after the caller's RunIn", c.Options)
				}
				if c.Job.State != jobs.StateScheduled || !c.Job.ExecuteAt.Equal(later) {
					t.Errorf("job %s at %s, want scheduled at %s", c.Job.State, c.Job.ExecuteAt, later)
				}
			},
		},
		{
			name: "tenant call puts the tenant after the caller's options",
			call: func(f *fixture) (jobs.Job, error) {
				return f.tenant.EnqueueForTenant(context.Background(), "acme", args{N: 3}, jobs.ForTenant("other"))
			},
			want: jobstest.Call[args]{Args: args{N: 3}, TenantID: "acme"},
			check: func(t *testing.T, c jobstest.Call[args]) {
				if c.Options.TenantID != "acme" || c.Job.TenantID != "acme" {
					t.Errorf("tenant %q, job tenant %q, want acme", c.Options.TenantID, c.Job.TenantID)
				}
			},
		},
		{
			name: "tenant schedule",
			call: func(f *fixture) (jobs.Job, error) {
				return f.tenant.ScheduleForTenant(context.Background(), "acme", later, args{N: 4})
			},
			want: jobstest.Call[args]{Args: args{N: 4}, TenantID: "acme", At: later},
			check: func(t *testing.T, c jobstest.Call[args]) {
				if c.Job.TenantID != "acme" || !c.Job.ExecuteAt.Equal(later) {
					t.Errorf("job %+v, want acme's at %s", c.Job, later)
				}
			},
		},
		{
			name: "missing tenant comes before the injected error",
			fail: errRedis,
			call: func(f *fixture) (jobs.Job, error) {
				return f.tenant.EnqueueForTenant(context.Background(), "", args{})
			},
			want:    jobstest.Call[args]{},
			wantErr: errNoTenant,
		},
		{
			name:    "a tenant job type enqueued without tenant",
			call:    func(f *fixture) (jobs.Job, error) { return f.tenant.Enqueue(context.Background(), args{}) },
			wantErr: jobs.ErrInvalidJob,
			errText: "needs a tenant ID",
		},
		{
			name:    "injected error comes before the context's",
			fail:    errRedis,
			call:    func(f *fixture) (jobs.Job, error) { return f.plain.Enqueue(cancelled, args{N: 5}) },
			want:    jobstest.Call[args]{Args: args{N: 5}},
			wantErr: errRedis,
		},
		{
			name:    "done context",
			call:    func(f *fixture) (jobs.Job, error) { return f.plain.Enqueue(cancelled, args{}) },
			wantErr: context.Canceled,
		},
		{
			name: "args that do not encode",
			call: func(f *fixture) (jobs.Job, error) {
				return f.plain.Enqueue(context.Background(), args{Bad: func() {}})
			},
			wantErr: jobs.ErrInvalidJob,
			errText: "encode args of plain",
		},
		{
			name: "options the real Client refuses",
			call: func(f *fixture) (jobs.Job, error) {
				return f.plain.Enqueue(context.Background(), args{}, jobs.WithQueue("bad{queue}"))
			},
			wantErr: jobs.ErrInvalidJob,
			errText: "may not contain",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			f.plain.Fail(tt.fail)
			f.tenant.Fail(tt.fail)
			job, err := tt.call(f)
			calls := append(f.plain.Calls(), f.tenant.Calls()...)
			if len(calls) != 1 {
				t.Fatalf("%d calls recorded, want 1", len(calls))
			}
			c := calls[0]
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) || !strings.Contains(fmt.Sprint(err), tt.errText) {
				t.Fatalf("error %v, want %v containing %q", err, tt.wantErr, tt.errText)
			}
			if c.Err != err || c.Job.ID != job.ID {
				t.Errorf("recorded (%v, %q), returned (%v, %q)", c.Err, c.Job.ID, err, job.ID)
			}
			if c.Args.N != tt.want.Args.N || c.TenantID != tt.want.TenantID || !c.At.Equal(tt.want.At) {
				t.Errorf("call %+v, want args %+v tenant %q at %s", c, tt.want.Args, tt.want.TenantID, tt.want.At)
			}
			batch := f.j.Jobs()
			if err != nil {
				if job.ID != "" || len(batch) != 0 {
					t.Errorf("failed call returned job %q and left %d jobs in the journal", job.ID, len(batch))
				}
				return
			}
			if len(batch) != 1 || batch[0].ID != job.ID {
				t.Errorf("journal %v, want the job %s", batch, job.ID)
			}
			tt.check(t, c)
		})
	}
}

// TestTenantOptionDoesNotWriteIntoTheCallersSlice appends the tenant and
// run-at options without touching the spare capacity of the caller's slice.
func TestTenantOptionDoesNotWriteIntoTheCallersSlice(t *testing.T) {
	f := newFixture()
	marker := jobs.WithQueue("marker")
	opts := make([]jobs.EnqueueOption, 1, 3)
	opts[0] = jobs.WithQueue("q")
	spare := opts[:3]
	spare[1], spare[2] = marker, marker
	if _, err := f.tenant.ScheduleForTenant(context.Background(), "acme", t0, args{}, opts...); err != nil {
		t.Fatal(err)
	}
	var o jobs.EnqueueOptions
	spare[1](&o)
	spare[2](&o)
	if o.Queue != "marker" || o.TenantID != "" {
		t.Errorf("the caller's spare capacity was overwritten: %+v", o)
	}
}

func TestBatch(t *testing.T) {
	tests := []struct {
		name     string
		tenantID string
		fail     error
		args     []args
		wantErr  error
		errText  string
	}{
		{name: "all enqueued, in order", args: []args{{N: 1}, {N: 2}, {N: 3}}},
		{name: "tenant batch", tenantID: "acme", args: []args{{N: 1}, {N: 2}}},
		{name: "empty batch", args: nil},
		{name: "one bad item fails them all", args: []args{{N: 1}, {Bad: func() {}}, {N: 3}}, wantErr: jobs.ErrInvalidJob, errText: "batch item 1: "},
		{name: "injected error", fail: errRedis, args: []args{{N: 1}, {N: 2}}, wantErr: errRedis, errText: "batch item 0: "},
		{name: "tenant batch without tenant", tenantID: "-", args: []args{{N: 1}}, wantErr: errNoTenant, errText: "batch item 0: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			// A job enqueued before stays in the journal whatever the batch does.
			if _, err := f.plain.Enqueue(context.Background(), args{N: 0}); err != nil {
				t.Fatal(err)
			}
			var batch []jobs.Job
			var err error
			var r *jobstest.Recorder[args, jobstest.NoResult]
			if tt.tenantID != "" {
				r = f.tenant
				r.Fail(tt.fail)
				batch, err = r.EnqueueBatchForTenant(context.Background(), strings.TrimPrefix(tt.tenantID, "-"), tt.args, jobs.WithQueue("bulk"))
			} else {
				f.plain.Fail(tt.fail)
				batch, err = f.plain.EnqueueBatch(context.Background(), tt.args, jobs.WithQueue("bulk"))
			}
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) || !strings.Contains(fmt.Sprint(err), tt.errText) {
				t.Fatalf("error %v, want %v containing %q", err, tt.wantErr, tt.errText)
			}
			var calls []jobstest.Call[args]
			if r != nil {
				calls = r.Calls()
			} else {
				calls = f.plain.Calls()[1:]
			}
			if len(calls) != len(tt.args) {
				t.Fatalf("%d calls recorded, want one per arg (%d)", len(calls), len(tt.args))
			}
			journal := f.j.Jobs()
			if err != nil {
				if batch != nil || len(journal) != 1 {
					t.Errorf("failed batch returned %d jobs and left %d in the journal, want none and 1", len(batch), len(journal))
				}
				for _, c := range calls {
					if c.Err != err || c.Job.ID != "" {
						t.Errorf("call %+v, want the batch's error and no job", c)
					}
				}
				return
			}
			if len(batch) != len(tt.args) || len(journal) != 1+len(tt.args) {
				t.Fatalf("%d jobs returned, %d in the journal, want %d and %d", len(batch), len(journal), len(tt.args), 1+len(tt.args))
			}
			for i, c := range calls {
				want := fmt.Sprintf(`{"n":%d}`, tt.args[i].N)
				if c.Err != nil || c.Job.ID != batch[i].ID || journal[1+i].ID != batch[i].ID || string(c.Job.Args) != want {
					t.Errorf("call %d: %+v, want job %s with args %s", i, c, batch[i].ID, want)
				}
				if c.Options.Queue != "bulk" || c.TenantID != strings.TrimPrefix(tt.tenantID, "-") || c.Job.TenantID != c.TenantID || !c.At.IsZero() {
					t.Errorf("call %d: options %+v, tenant %q", i, c.Options, c.TenantID)
				}
			}
		})
	}
}

// TestResetForgetsEverything resets the journal and every recorder on it.
func TestResetForgetsEverything(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	job, _ := f.plain.Enqueue(ctx, args{N: 1})
	_, _ = f.tenant.EnqueueForTenant(ctx, "acme", args{N: 2})
	f.plain.SetOutcome(func(jobstest.Call[args]) (int, error) { return 1, nil })
	f.tenant.Fail(errRedis)

	f.j.Reset()
	if n := len(f.j.Jobs()) + len(f.plain.Calls()) + len(f.tenant.Calls()); n != 0 {
		t.Errorf("%d jobs and calls left after Reset", n)
	}
	if _, err := f.plain.Result(ctx, job.ID); !errors.Is(err, jobs.ErrJobNotFound) {
		t.Errorf("result after Reset: %v, want ErrJobNotFound", err)
	}
	if _, err := f.tenant.EnqueueForTenant(ctx, "acme", args{}); err != nil {
		t.Errorf("the injected error survived Reset: %v", err)
	}
	job, _ = f.plain.Enqueue(ctx, args{})
	if _, err := f.plain.Result(ctx, job.ID); !errors.Is(err, jobs.ErrJobNotFinished) {
		t.Errorf("the outcome function survived Reset: %v", err)
	}
}

// TestJournalClock reads the clock at each call, so that a mock can set its
// Clock field after making the journal; no clock means the system clock.
func TestJournalClock(t *testing.T) {
	ctx := context.Background()
	var clock jobs.Clock
	tests := []struct {
		name string
		j    *jobstest.Journal
		set  jobs.Clock
		want func(time.Time) bool
	}{
		{"clock set after NewJournal", jobstest.NewJournal(&clock), fixedClock{t0}, func(at time.Time) bool { return at.Equal(t0) }},
		{"nil clock", jobstest.NewJournal(&clock), nil, func(at time.Time) bool { return time.Since(at) < time.Minute }},
		{"no clock pointer", jobstest.NewJournal(nil), nil, func(at time.Time) bool { return time.Since(at) < time.Minute }},
		{"zero journal", &jobstest.Journal{}, nil, func(at time.Time) bool { return time.Since(at) < time.Minute }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := jobstest.NewRecorder[args, int](tt.j, jobstest.Spec{JobType: "plain"})
			clock = tt.set
			job, err := r.Enqueue(ctx, args{})
			if err != nil || !tt.want(job.CreatedAt) {
				t.Errorf("job created at %s (%v)", job.CreatedAt, err)
			}
		})
	}
}

// TestConcurrentUse enqueues, reads and asserts from many goroutines; run
// it with -race.
func TestConcurrentUse(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			_, _ = f.plain.Enqueue(ctx, args{N: i})
			_, _ = f.tenant.EnqueueBatchForTenant(ctx, "acme", []args{{N: i}, {N: -i}})
			f.plain.AssertEnqueued(&fakeTB{}, nil)
			_ = f.j.Jobs()
			_, _ = f.plain.Result(ctx, "x")
		})
	}
	wg.Wait()
	if p, tn, j := len(f.plain.Calls()), len(f.tenant.Calls()), len(f.j.Jobs()); p != 20 || tn != 40 || j != 60 {
		t.Errorf("%d plain calls, %d tenant calls, %d jobs; want 20, 40, 60", p, tn, j)
	}
}
