package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/google/go-cmp/cmp"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixture is a memory backend seeded by seed.
func fixture(t *testing.T) *memory.Backend {
	t.Helper()
	clock := backendtest.NewClock(backendtest.Start)
	b := memory.New(memory.WithClock(clock))
	seed(t, b, clock)
	return b
}

// seed stores, through b whose clock is clock (at backendtest.Start):
//
//	emails:  e-done (completed after 2 s), e-dead (failed after 1 s, with a
//	         stack trace), e-retry (retrying), e-run (running), e-pend-1,
//	         e-pend-2 (pending), e-sched (scheduled)
//	reports: r-dead-1 (report.build), r-dead-2 (email.send), failed
//
// and two workers of process proc-1.
func seed(t *testing.T, b jobs.Backend, clock *backendtest.Clock) {
	t.Helper()
	ctx := t.Context()
	enqueue := func(id, jobType, queue string, opts ...jobs.EnqueueOption) {
		t.Helper()
		opts = append([]jobs.EnqueueOption{jobs.WithJobID(id), jobs.WithQueue(queue)}, opts...)
		j, err := jobs.NewJob(jobType, []byte(`{"to":"`+id+`@example.com"}`), jobs.ResolveEnqueueOptions(opts...), clock.Now())
		if err == nil {
			err = b.Enqueue(ctx, j)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	start := func(id, jobType, queue string, maxRetries int) jobs.Job {
		t.Helper()
		enqueue(id, jobType, queue, jobs.WithMaxRetries(maxRetries))
		batch, err := b.Dequeue(ctx, queue, 1, time.Minute)
		if err != nil || len(batch) != 1 {
			t.Fatalf("Dequeue(%s) = %v, %v", queue, batch, err)
		}
		return batch[0]
	}
	ack := func(j jobs.Job, err error) {
		t.Helper()
		if err == nil {
			err = b.Ack(ctx, j)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	run := start("e-done", "email.send", "emails", 3)
	clock.Advance(2 * time.Second)
	ack(run.Complete(json.RawMessage(`{"sent":true}`), clock.Now()))
	run = start("e-dead", "email.send", "emails", 0)
	clock.Advance(time.Second)
	ack(run.Fail(jobs.JobError{Message: "smtp: 550 mailbox unavailable\nremote said: go away", Type: "*smtp.Error",
		Stacktrace: "goroutine 7 [running]:\nmain.send()\n\t/app/send.go:42\n"}, clock.Now()))
	clock.Advance(time.Second)
	run = start("r-dead-1", "report.build", "reports", 0)
	ack(run.Fail(jobs.JobError{Message: strings.Repeat("very long error message ", 5), Type: "error"}, clock.Now()))
	clock.Advance(time.Second)
	run = start("r-dead-2", "email.send", "reports", 0)
	ack(run.Fail(jobs.JobError{Message: "no data", Type: "error"}, clock.Now()))
	clock.Advance(time.Second)
	run = start("e-retry", "email.send", "emails", 3)
	now := clock.Now()
	ack(run.PrepareRetry(jobs.JobError{Message: "timeout", Type: "timeout"}, now.Add(time.Hour), now))
	running := start("e-run", "email.send", "emails", 3)
	enqueue("e-pend-1", "email.send", "emails")
	enqueue("e-pend-2", "email.send", "emails", jobs.WithMetadata("origin", "signup"), jobs.ForTenant("acme"))
	enqueue("e-sched", "email.send", "emails", jobs.RunIn(time.Hour))
	err := b.ReportWorkers(ctx, "proc-1", []jobs.WorkerInfo{
		{ID: "proc-1/emails/000", ProcessID: "proc-1", Queue: "emails", Status: jobs.WorkerRunning,
			JobID: running.ID, JobType: running.Type, JobStartedAt: running.StartedAt, LastHeartbeat: now},
		{ID: "proc-1/emails/001", ProcessID: "proc-1", Queue: "emails", Status: jobs.WorkerIdle, LastHeartbeat: now},
	}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
}

// result is what one run printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runWith runs the command line args against b with the environment vars.
func runWith(ctx context.Context, b jobs.Backend, args []string, vars map[string]string) result {
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, env{
		getenv: func(k string) string { return vars[k] },
		stdout: &stdout,
		stderr: &stderr,
		connect: func(context.Context, target) (jobs.Backend, func() error, error) {
			return b, func() error { return nil }, nil
		},
	})
	return result{code, stdout.String(), stderr.String()}
}

// commandCase is one command line run against the seeded fixture.
type commandCase struct {
	name   string
	args   []string
	code   int
	golden bool                               // compare stdout with testdata/<name>.golden
	stderr string                             // must appear in stderr
	after  func(t *testing.T, b jobs.Backend) // checks the backend afterwards
}

// commandCases are the command lines that every backend must answer alike:
// the same exit codes, messages and golden output.
func commandCases() []commandCase {
	w := strings.Fields
	return []commandCase{
		{"stats", w("stats"), exitOK, true, "", nil},
		{"stats-json", w("--json stats"), exitOK, true, "", nil},
		{"queues", w("queues"), exitOK, true, "", nil},
		{"failed", w("failed"), exitOK, true, "", nil},
		{"failed-filtered", w("failed --limit 1 --queue reports"), exitOK, true, "", nil},
		{"failed-json", w("failed --type report.build --json"), exitOK, true, "", nil},
		{"failed-none", w("failed --queue nowhere"), exitOK, true, "", nil},
		{"job", w("job e-dead"), exitOK, true, "", nil},
		{"job-pending", w("job e-pend-2"), exitOK, true, "", nil},
		{"job-json", w("job --json e-done"), exitOK, true, "", nil},
		{"job-not-found", w("job nope"), exitNotFound, false, "not found", nil},
		{"job-no-id", w("job"), exitUsage, false, "want 1 argument, got 0", nil},
		{"job-bad-id", []string{"job", "x y"}, exitUsage, false, "white space", nil},
		{"retry", w("retry e-dead"), exitOK, true, "", expectState("e-dead", jobs.StatePending)},
		{"retry-not-dead", w("retry e-pend-1"), exitError, false, "cannot requeue a pending job", nil},
		{"retry-not-found", w("retry nope"), exitNotFound, false, "not found", nil},
		{"retry-all", w("retry --all-failed --queue reports"), exitOK, true, "", expectState("r-dead-1", jobs.StatePending)},
		{"retry-all-json", w("--json retry --all-failed"), exitOK, true, "", expectState("e-dead", jobs.StatePending)},
		{"retry-nothing", w("retry"), exitUsage, false, "either a job ID or --all-failed", nil},
		{"retry-both", w("retry e-dead --all-failed"), exitUsage, false, "either a job ID or --all-failed", expectState("e-dead", jobs.StateFailed)},
		{"retry-filter-without-all", w("retry e-dead --queue reports"), exitUsage, false, "go with --all-failed", nil},
		{"delete", w("delete e-dead"), exitOK, true, "", expectGone("e-dead")},
		{"delete-not-dead", w("delete e-pend-1"), exitError, false, "only failed (dead-letter) jobs", expectState("e-pend-1", jobs.StatePending)},
		{"delete-not-found", w("delete nope"), exitNotFound, false, "not found", nil},
		{"cancel", w("cancel e-pend-1"), exitOK, true, "", expectState("e-pend-1", jobs.StateCancelled)},
		{"cancel-running", w("cancel e-run"), exitOK, false, "", expectState("e-run", jobs.StateCancelled)},
		{"cancel-finished", w("cancel e-done"), exitError, false, "cannot cancel a completed job", nil},
		{"cancel-not-found", w("cancel nope"), exitNotFound, false, "not found", nil},
		{"repair", w("repair emails"), exitOK, true, "", nil},
		{"repair-fix-json", w("--json repair --fix emails"), exitOK, true, "", nil},
		{"repair-bad-queue", w("repair a{b}"), exitUsage, false, "may not contain", nil},
		{"pause", w("pause emails"), exitOK, true, "", expectPaused("emails", true)},
		{"pause-json", w("pause --json emails"), exitOK, true, "", expectPaused("emails", true)},
		{"pause-bad-queue", w("pause a{b}"), exitUsage, false, "may not contain", nil},
		{"resume", w("resume emails"), exitOK, true, "", expectPaused("emails", false)},
		{"failed-bad-limit", w("failed --limit 0"), exitUsage, false, "--limit must be from 1 to 1000", nil},
		{"failed-limit-not-number", w("failed --limit x"), exitUsage, false, "invalid value", nil},
		{"failed-extra-argument", w("failed emails"), exitUsage, false, "want 0 arguments", nil},
		{"unknown-command", w("frobnicate"), exitUsage, false, `unknown command "frobnicate"`, nil},
		{"no-command", w(""), exitUsage, false, "usage: jobs", nil},
		{"help", w("help"), exitOK, true, "", nil},
		{"serve-without-token", w("serve"), exitUsage, false, "JOBS_ADMIN_TOKEN is not set", nil},
		{"serve-insecure-public", w("serve --insecure --addr 0.0.0.0:8080"), exitUsage, false, "needs a loopback --addr", nil},
		{"serve-insecure-all-interfaces", w("serve --insecure --addr :8080"), exitUsage, false, "needs a loopback --addr", nil},
	}
}

// check checks what a run of c printed and returned, then the backend b.
func (c commandCase) check(t *testing.T, res result, b jobs.Backend) {
	t.Helper()
	if res.code != c.code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, c.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, c.stderr) {
		t.Fatalf("stderr %q, want it to contain %q", res.stderr, c.stderr)
	}
	if c.golden {
		golden(t, c.name, res.stdout)
	}
	if c.after != nil {
		c.after(t, b)
	}
}

func TestCommands(t *testing.T) {
	for _, c := range commandCases() {
		t.Run(c.name, func(t *testing.T) {
			b := fixture(t)
			c.check(t, runWith(t.Context(), b, c.args, nil), b)
		})
	}
}

// golden compares got with testdata/<name>.golden, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Fatalf("output differs from %s (-want +got):\n%s", path, diff)
	}
}

func expectState(id string, state jobs.State) func(t *testing.T, b jobs.Backend) {
	return func(t *testing.T, b jobs.Backend) {
		t.Helper()
		j, err := b.Job(t.Context(), id)
		if err != nil || j.State != state {
			t.Fatalf("job %s: %s, %v; want %s", id, j.State, err, state)
		}
	}
}

func expectGone(id string) func(t *testing.T, b jobs.Backend) {
	return func(t *testing.T, b jobs.Backend) {
		t.Helper()
		if j, err := b.Job(t.Context(), id); !errors.Is(err, jobs.ErrJobNotFound) {
			t.Fatalf("job %s: %s, %v; want it deleted", id, j.State, err)
		}
	}
}

func expectPaused(queue string, paused bool) func(t *testing.T, b jobs.Backend) {
	return func(t *testing.T, b jobs.Backend) {
		t.Helper()
		s, err := b.Stats(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range s.Queues {
			if q.Name == queue && q.Paused == paused {
				return
			}
		}
		t.Fatalf("queue %s is not paused=%v: %+v", queue, paused, s.Queues)
	}
}

func TestConnectError(t *testing.T) {
	var stderr bytes.Buffer
	var gotURL, gotPrefix string
	code := run(t.Context(), []string{"stats", "--prefix", "app"}, env{
		getenv: func(k string) string { return map[string]string{"JOBS_REDIS_URL": "redis://db:6379/2"}[k] },
		stdout: &bytes.Buffer{},
		stderr: &stderr,
		connect: func(_ context.Context, t target) (jobs.Backend, func() error, error) {
			gotURL, gotPrefix = t.url, t.prefix
			return nil, nil, errors.New("dial tcp: connection refused")
		},
	})
	if code != exitError || !strings.Contains(stderr.String(), "connection refused") {
		t.Fatalf("exit %d, stderr %q; want 1 and the connection error", code, stderr.String())
	}
	if gotURL != "redis://db:6379/2" || gotPrefix != "app" {
		t.Fatalf("connected to %q with prefix %q; want $JOBS_REDIS_URL and --prefix", gotURL, gotPrefix)
	}
}
