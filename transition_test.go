package jobs

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func jobIn(state State) Job {
	return Job{ID: "j1", Type: "t", Queue: DefaultQueue, Priority: PriorityNormal, State: state, MaxRetries: 2, Attempt: 1, Args: json.RawMessage(`{}`)}
}

func TestTransitionsAllowedFrom(t *testing.T) {
	jobErr := JobError{Message: "boom", Type: "error"}
	actions := map[string]struct {
		from []State
		do   func(Job) (Job, error)
	}{
		"schedule":     {[]State{StatePending}, func(j Job) (Job, error) { return j.Schedule(t0.Add(time.Hour), t0) }},
		"promote":      {[]State{StateScheduled, StateRetrying}, func(j Job) (Job, error) { return j.Promote(t0) }},
		"start":        {[]State{StatePending}, func(j Job) (Job, error) { return j.Start(t0, t0.Add(time.Minute)) }},
		"complete":     {[]State{StateRunning}, func(j Job) (Job, error) { return j.Complete(nil, t0) }},
		"retry":        {[]State{StateRunning}, func(j Job) (Job, error) { return j.PrepareRetry(jobErr, t0.Add(time.Second), t0) }},
		"fail":         {[]State{StateRunning}, func(j Job) (Job, error) { return j.Fail(jobErr, t0) }},
		"cancel":       {[]State{StatePending, StateScheduled, StateRetrying, StateRunning}, func(j Job) (Job, error) { return j.Cancel(t0) }},
		"release":      {[]State{StateRunning}, func(j Job) (Job, error) { return j.Release(t0) }},
		"expire lease": {[]State{StateRunning}, func(j Job) (Job, error) { return j.ExpireLease(t0) }},
		"isolate":      {[]State{StateRunning}, func(j Job) (Job, error) { return j.Isolate() }},
		"requeue":      {[]State{StateFailed}, func(j Job) (Job, error) { return j.Requeue(t0) }},
	}
	for name, a := range actions {
		for _, from := range States {
			allowed := false
			for _, s := range a.from {
				allowed = allowed || s == from
			}
			t.Run(name+"/"+string(from), func(t *testing.T) {
				before := jobIn(from)
				after, err := a.do(before)
				if allowed {
					if err != nil {
						t.Fatalf("%s from %s: unexpected error %v", name, from, err)
					}
					return
				}
				if !errors.Is(err, ErrInvalidTransition) {
					t.Fatalf("%s from %s: err = %v, want ErrInvalidTransition", name, from, err)
				}
				var te *TransitionError
				if !errors.As(err, &te) || te.From != from || te.JobID != "j1" {
					t.Fatalf("%s from %s: error %v does not describe the refused change", name, from, err)
				}
				if diff := cmp.Diff(before, after); diff != "" {
					t.Fatalf("refused transition changed the job (-before +after):\n%s", diff)
				}
			})
		}
	}
}

func TestTransitionResults(t *testing.T) {
	jobErr := JobError{Message: "boom", Type: "error"}
	lease := t0.Add(time.Minute)
	tests := []struct {
		name string
		from Job
		do   func(Job) (Job, error)
		want func(Job) Job
	}{
		{"start counts the attempt and leases", jobIn(StatePending),
			func(j Job) (Job, error) { return j.Start(t0, lease) },
			func(j Job) Job { j.State, j.Attempt, j.StartedAt, j.LeaseUntil = StateRunning, 2, t0, lease; return j }},
		{"complete stores the result", jobIn(StateRunning),
			func(j Job) (Job, error) { return j.Complete(json.RawMessage(`{"ok":true}`), t0) },
			func(j Job) Job {
				j.State, j.FinishedAt, j.Result = StateCompleted, t0, json.RawMessage(`{"ok":true}`)
				return logged(j, nil)
			}},
		{"retry records the error and the next time", jobIn(StateRunning),
			func(j Job) (Job, error) { return j.PrepareRetry(jobErr, t0.Add(5*time.Second), t0) },
			func(j Job) Job {
				j.State, j.Error, j.ExecuteAt = StateRetrying, &jobErr, t0.Add(5*time.Second)
				return logged(j, &jobErr)
			}},
		{"fail records the error", jobIn(StateRunning),
			func(j Job) (Job, error) { return j.Fail(jobErr, t0) },
			func(j Job) Job { j.State, j.Error, j.FinishedAt = StateFailed, &jobErr, t0; return logged(j, &jobErr) }},
		{"release gives the attempt back", jobIn(StateRunning),
			func(j Job) (Job, error) { return j.Release(t0) },
			func(j Job) Job { j.State, j.Attempt = StatePending, 0; return j }},
		{"expired lease beside others refunds the attempt", jobIn(StateRunning),
			func(j Job) (Job, error) { return j.ExpireLease(t0) },
			func(j Job) Job {
				j.State, j.ExecuteAt, j.Refunded = StatePending, t0, 1
				j.Error = &JobError{Type: ErrorTypeLeaseExpired, Message: "lease expired at 0001-01-01T00:00:00Z: the worker stopped without reporting while the job ran beside others; the attempt is not counted and the job runs alone next time"}
				return logged(j, j.Error)
			}},
		{"expired lease of a job run alone counts the attempt", func() Job { j := jobIn(StateRunning); j.Alone = true; return j }(),
			func(j Job) (Job, error) { return j.ExpireLease(t0) },
			func(j Job) Job {
				j.State, j.ExecuteAt, j.Alone = StatePending, t0, false
				j.Error = &JobError{Type: ErrorTypeLeaseExpired, Message: "lease expired at 0001-01-01T00:00:00Z: the worker stopped without reporting while the job ran alone"}
				return logged(j, j.Error)
			}},
		{"isolate marks the attempt as running alone", jobIn(StateRunning),
			func(j Job) (Job, error) { return j.Isolate() },
			func(j Job) Job { j.Alone = true; return j }},
		{"start clears the mark of the previous attempt", func() Job { j := jobIn(StatePending); j.Alone, j.Refunded = true, 1; return j }(),
			func(j Job) (Job, error) { return j.Start(t0, lease) },
			func(j Job) Job {
				j.State, j.Attempt, j.Alone, j.StartedAt, j.LeaseUntil = StateRunning, 2, false, t0, lease
				return j
			}},
		{"requeue resets attempts", func() Job { j := jobIn(StateFailed); j.Attempt, j.Refunded = 3, 1; j.FinishedAt = t0; return j }(),
			func(j Job) (Job, error) { return j.Requeue(t0.Add(time.Hour)) },
			func(j Job) Job {
				j.State, j.Attempt, j.Refunded, j.ExecuteAt, j.FinishedAt = StatePending, 0, 0, t0.Add(time.Hour), time.Time{}
				return j
			}},
		{"cancel a running job", jobIn(StateRunning),
			func(j Job) (Job, error) { return j.Cancel(t0) },
			func(j Job) Job { j.State, j.FinishedAt = StateCancelled, t0; return logged(j, nil) }},
		{"cancel a pending job logs no attempt", jobIn(StatePending),
			func(j Job) (Job, error) { return j.Cancel(t0) },
			func(j Job) Job { j.State, j.FinishedAt = StateCancelled, t0; return j }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.do(tt.from)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want(tt.from), got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryAndExpiryRespectMaxRetries(t *testing.T) {
	j := jobIn(StateRunning)
	j.Attempt, j.Alone = 3, true // MaxRetries 2: attempts 1, 2, 3 used, the last one alone
	if _, err := j.PrepareRetry(JobError{}, t0, t0); !errors.Is(err, ErrInvalidTransition) {
		t.Fatalf("retry after the last attempt: err = %v, want ErrInvalidTransition", err)
	}
	one := jobIn(StateRunning)
	one.MaxRetries, one.Attempt, one.Alone = 1, 2, true
	if _, err := one.PrepareRetry(JobError{}, t0, t0); err == nil || !strings.HasSuffix(err.Error(), "used all of its 1 retry") {
		t.Fatalf("retry after the last of 1 retry: err = %v, want it to say it used all of its 1 retry", err)
	}
	got, err := j.ExpireLease(t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateFailed || got.Error.Type != ErrorTypeLeaseExpired {
		t.Fatalf("expired lease on the last attempt: state %s error %+v, want failed lease_expired", got.State, got.Error)
	}
}

func TestCompleteRejectsInvalidResult(t *testing.T) {
	if _, err := jobIn(StateRunning).Complete(json.RawMessage(`{nope`), t0); !errors.Is(err, ErrInvalidJob) {
		t.Fatalf("err = %v, want ErrInvalidJob", err)
	}
}

func TestNewJob(t *testing.T) {
	three := 3
	tests := []struct {
		name    string
		jobType string
		args    string
		opts    []EnqueueOption
		wantErr string
		check   func(t *testing.T, j Job)
	}{
		{name: "defaults", jobType: "send_email", args: `{"to":"a@b.c"}`, check: func(t *testing.T, j Job) {
			want := Job{ID: j.ID, Type: "send_email", Queue: "default", Priority: PriorityNormal, Args: json.RawMessage(`{"to":"a@b.c"}`),
				State: StatePending, MaxRetries: three, ExecuteAt: t0, CreatedAt: t0}
			if diff := cmp.Diff(want, j); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			if len(j.ID) != 36 {
				t.Fatalf("ID %q is not a UUID", j.ID)
			}
		}},
		{name: "every option", jobType: "t", args: `1`, opts: []EnqueueOption{
			WithQueue("emails"), WithPriority(PriorityCritical), WithMaxRetries(0), RunIn(time.Minute),
			WithMetadata("k", "v"), ForTenant("acme"), WithJobID("my-id"), WithTimeout(time.Second),
			WithRetryPolicy(RetryPolicy{Backoff: BackoffLinear}),
		}, check: func(t *testing.T, j Job) {
			want := Job{ID: "my-id", Type: "t", Queue: "emails", Priority: PriorityCritical, Args: json.RawMessage(`1`),
				Metadata: map[string]string{"k": "v"}, TenantID: "acme", State: StateScheduled, MaxRetries: 0,
				Retry: &RetryPolicy{Backoff: BackoffLinear}, Timeout: time.Second, ExecuteAt: t0.Add(time.Minute), CreatedAt: t0}
			if diff := cmp.Diff(want, j); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		}},
		{name: "run at the past is pending", jobType: "t", opts: []EnqueueOption{RunAt(t0.Add(-time.Hour))}, check: func(t *testing.T, j Job) {
			if j.State != StatePending || !j.ExecuteAt.Equal(t0) {
				t.Fatalf("state %s at %s, want pending now", j.State, j.ExecuteAt)
			}
		}},
		{name: "empty args become null", jobType: "t", check: func(t *testing.T, j Job) {
			if string(j.Args) != "null" {
				t.Fatalf("args %s", j.Args)
			}
		}},
		{name: "empty type", jobType: "", wantErr: "invalid job: job type is empty"},
		{name: "type with space", jobType: "a b", wantErr: `invalid job: job type "a b" contains white space or a control character`},
		{name: "bad JSON", jobType: "t", args: `{`, wantErr: "invalid job: args of t are not valid JSON"},
		{name: "queue with brace", jobType: "t", opts: []EnqueueOption{WithQueue("a{b}")}, wantErr: `invalid job: queue name "a{b}" may not contain '{' or '}'`},
		{name: "bad priority", jobType: "t", opts: []EnqueueOption{WithPriority(9)}, wantErr: "invalid job: priority 9 is not one of critical, high, normal, low"},
		{name: "negative retries", jobType: "t", opts: []EnqueueOption{WithMaxRetries(-1)}, wantErr: "invalid job: max retries -1 is negative"},
		{name: "negative delay", jobType: "t", opts: []EnqueueOption{RunIn(-time.Second)}, wantErr: "invalid job: run-in delay -1s is negative"},
		{name: "bad retry policy", jobType: "t", opts: []EnqueueOption{WithRetryPolicy(RetryPolicy{Jitter: 2})}, wantErr: "invalid job: retry jitter 2 must be in [0, 1) or NoJitter"},
		{name: "empty metadata key", jobType: "t", opts: []EnqueueOption{WithMetadata("", "v")}, wantErr: "invalid job: metadata key is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := NewJob(tt.jobType, json.RawMessage(tt.args), ResolveEnqueueOptions(tt.opts...), t0)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrInvalidJob) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, j)
		})
	}
}

func TestPriorityText(t *testing.T) {
	for _, p := range Priorities {
		b, err := p.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Priority
		if err := back.UnmarshalText(b); err != nil || back != p {
			t.Fatalf("%s round-tripped to %v, %v", p, back, err)
		}
	}
	if _, err := ParsePriority("urgent"); err == nil {
		t.Fatal("ParsePriority accepted an unknown name")
	}
	if !(PriorityCritical > PriorityHigh && PriorityHigh > PriorityNormal && PriorityNormal > PriorityLow) {
		t.Fatal("priorities are out of order")
	}
}

func TestGeneratedIDForm(t *testing.T) {
	generated, err := NewJob("t", nil, ResolveEnqueueOptions(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id   string
		want bool
	}{
		{generated.ID, true},
		{"01937c5e-8a4b-7c3d-9e2f-0123456789ab", true},
		{"01937c5e-8a4b-7c3d-bfff-0123456789ab", true},
		{"01937C5E-8A4B-7C3D-9E2F-0123456789AB", false}, // upper case
		{"01937c5e-8a4b-4c3d-9e2f-0123456789ab", false}, // version 4
		{"01937c5e-8a4b-7c3d-cf2f-0123456789ab", false}, // not the RFC variant
		{"01937c5e-8a4b-7c3d-9e2f-0123456789a", false},  // short
		{"01937c5e-8a4b-7c3d-9e2f-0123456789abc", false},
		{"01937c5e+8a4b-7c3d-9e2f-0123456789ab", false},
		{"01937c5e-8a4b-7c3d-9e2f-0123456789ag", false},
		{"01937c5e-8a4b-7c3d-9e2f-01234567-9ab", false}, // a dash out of place
		{"order-42", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := GeneratedIDForm(tt.id); got != tt.want {
			t.Errorf("GeneratedIDForm(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestValidateJobID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"order-42", true},
		{"héllo/wörld:1", true},
		{"~!@#$%^&*()_+{}|:<>?", true},
		{string(make([]byte, 200)), false}, // NUL bytes
		{"", false},
		{"a b", false},
		{"a\tb", false},
		{"a\x7fb", false},
		{"a\x01", false},
		{"é\u00a0b", false}, // no-break space
		{"é\u200bb", false}, // zero-width space: not printable
		{"é\u0085b", false}, // next line
		{"\xff\xfe", false}, // not UTF-8
	}
	long := make([]byte, 201)
	for i := range long {
		long[i] = 'x'
	}
	tests = append(tests, struct {
		id string
		ok bool
	}{string(long), false}, struct {
		id string
		ok bool
	}{string(long[:200]), true})
	for _, tt := range tests {
		err := ValidateJobID(tt.id)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateJobID(%q) = %v, want ok %v", tt.id, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidJob) {
			t.Errorf("ValidateJobID(%q) = %v, want an ErrInvalidJob", tt.id, err)
		}
	}
}

// logged is j, whose attempt ended at t0 in its state with err, with that
// attempt appended to its log.
func logged(j Job, err *JobError) Job {
	j.AttemptLog = append(j.AttemptLog, AttemptRecord{Attempt: j.Attempt, StartedAt: j.StartedAt, FinishedAt: t0, Outcome: j.State, Error: err})
	return j
}
