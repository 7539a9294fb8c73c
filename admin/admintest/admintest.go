// Package admintest runs the admin API's endpoint tests against any
// backend, so that every adapter checks the API on its own storage:
//
//	func TestAdminAPI(t *testing.T) {
//		admintest.Run(t, func(t *testing.T, clock jobs.Clock) jobs.Backend {
//			return memory.New(memory.WithClock(clock))
//		})
//	}
//
// The factory has the contract of backendtest.Run's: a fresh, isolated
// backend that tells time by clock. Each test seeds the same fixture jobs
// through the backend's own methods, then drives the API with httptest.
package admintest

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/admin"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// Token is the bearer token of the handler under test.
const Token = "s3cret-admin-token"

// Run runs every endpoint test, each as a subtest on a fresh backend made
// by newBackend and seeded with the fixtures.
func Run(t *testing.T, newBackend func(t *testing.T, clock jobs.Clock) jobs.Backend) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newBackend(t, clock)
			h, err := admin.New(b, admin.WithToken(Token))
			if err != nil {
				t.Fatalf("admin.New: %v", err)
			}
			e := &env{t: t, b: b, clock: clock, h: h, ctx: t.Context()}
			e.seed()
			tc.run(e)
		})
	}
}

// test is one endpoint test.
type test struct {
	name string
	run  func(e *env)
}

// env is one test's backend, clock, handler and helpers.
type env struct {
	t     *testing.T
	b     jobs.Backend
	clock *backendtest.Clock
	h     http.Handler
	ctx   context.Context
}

// response is what the handler answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

// req describes a request; the zero value is an authenticated GET.
type req struct {
	method  string
	path    string
	body    string
	noAuth  bool
	headers map[string]string
}

// do serves r with e.h and checks that the response is JSON.
func (e *env) do(r req) response {
	e.t.Helper()
	return e.serve(e.h, r)
}

// serve serves r with h and checks that the response is JSON.
func (e *env) serve(h http.Handler, r req) response {
	e.t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequestWithContext(e.ctx, method, r.path, body)
	if !r.noAuth {
		hr.Header.Set("Authorization", "Bearer "+Token)
	}
	if method != http.MethodGet && method != http.MethodDelete && r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, hr)
	res := response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
	if mt, _, err := mime.ParseMediaType(res.header.Get("Content-Type")); err != nil || mt != "application/json" {
		e.t.Fatalf("%s %s: Content-Type %q, want application/json", method, r.path, res.header.Get("Content-Type"))
	}
	if !json.Valid(res.body) {
		e.t.Fatalf("%s %s: body is not JSON: %s", method, r.path, res.body)
	}
	return res
}

// expectStatus checks the status of res.
func (e *env) expectStatus(what string, res response, want int) {
	e.t.Helper()
	if res.status != want {
		e.t.Fatalf("%s: status %d, want %d; body %s", what, res.status, want, res.body)
	}
}

// expectError checks that res is an error with status and a message that
// contains msg.
func (e *env) expectError(what string, res response, status int, msg string) {
	e.t.Helper()
	e.expectStatus(what, res, status)
	var body admin.ErrorResponse
	if err := json.Unmarshal(res.body, &body); err != nil || body.Error == "" {
		e.t.Fatalf("%s: error body %s, want {\"error\": ...}", what, res.body)
	}
	if !strings.Contains(body.Error, msg) {
		e.t.Fatalf("%s: error %q, want it to contain %q", what, body.Error, msg)
	}
}

// decode unmarshals a 200 response into T.
func decode[T any](e *env, what string, res response) T {
	e.t.Helper()
	e.expectStatus(what, res, http.StatusOK)
	var v T
	if err := json.Unmarshal(res.body, &v); err != nil {
		e.t.Fatalf("%s: decode %s: %v", what, res.body, err)
	}
	return v
}

// ids lists the IDs of jobs.
func ids(batch []admin.Job) []string {
	out := make([]string, len(batch))
	for i, j := range batch {
		out[i] = j.ID
	}
	return out
}

// stored returns the job as the backend holds it.
func (e *env) stored(id string) jobs.Job {
	e.t.Helper()
	j, err := e.b.Job(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Job(%s): %v", id, err)
	}
	return j
}

// enqueue stores a new job of jobType in queue.
func (e *env) enqueue(id, jobType, queue string, opts ...jobs.EnqueueOption) jobs.Job {
	e.t.Helper()
	args := []byte(`{"to":"` + id + `@example.com"}`)
	opts = append([]jobs.EnqueueOption{jobs.WithJobID(id), jobs.WithQueue(queue)}, opts...)
	j, err := jobs.NewJob(jobType, args, jobs.ResolveEnqueueOptions(opts...), e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.b.Enqueue(e.ctx, j); err != nil {
		e.t.Fatalf("Enqueue(%s): %v", id, err)
	}
	return j
}

// start enqueues a job and leases it; its queue must have no other
// pending job.
func (e *env) start(id, jobType, queue string, maxRetries int) jobs.Job {
	e.t.Helper()
	e.enqueue(id, jobType, queue, jobs.WithMaxRetries(maxRetries))
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	batch, err := e.b.Dequeue(ctx, queue, 1, time.Minute)
	if err != nil || len(batch) != 1 || batch[0].ID != id {
		e.t.Fatalf("Dequeue(%s) = %v, %v; want job %s", queue, batch, err, id)
	}
	return batch[0]
}

// ack stores the outcome of a transition of a running job.
func (e *env) ack(j jobs.Job, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.b.Ack(e.ctx, j); err != nil {
		e.t.Fatalf("Ack(%s): %v", j.ID, err)
	}
}

// Fixture figures the tests check.
const (
	stack       = "goroutine 7 [running]:\nmain.send()\n\t/app/send.go:42"
	deadMessage = "smtp: 550 mailbox unavailable"
)

// seed stores the fixtures, by the clock, from backendtest.Start:
//
//	emails:  e-done (completed after 2 s), e-dead (failed after 1 s),
//	         e-retry (retrying in an hour), e-run (running),
//	         e-pend-1, e-pend-2 (pending), e-sched (scheduled in an hour)
//	reports: r-dead-1 (report.build), r-dead-2 (email.send), failed
//
// Every job is of type email.send unless said otherwise. Jobs failed one
// second apart: e-dead, r-dead-1, r-dead-2. Process proc-1 reports two
// workers of emails, one running e-run.
func (e *env) seed() {
	e.t.Helper()
	run := e.start("e-done", "email.send", "emails", 3)
	e.clock.Advance(2 * time.Second)
	e.ack(run.Complete(json.RawMessage(`{"sent":true}`), e.clock.Now()))

	run = e.start("e-dead", "email.send", "emails", 0)
	e.clock.Advance(time.Second)
	e.ack(run.Fail(jobs.JobError{Message: deadMessage, Type: "*smtp.Error", Stacktrace: stack}, e.clock.Now()))
	e.clock.Advance(time.Second)
	for _, f := range []struct{ id, jobType string }{{"r-dead-1", "report.build"}, {"r-dead-2", "email.send"}} {
		run = e.start(f.id, f.jobType, "reports", 0)
		e.ack(run.Fail(jobs.JobError{Message: "no data", Type: "error"}, e.clock.Now()))
		e.clock.Advance(time.Second)
	}

	run = e.start("e-retry", "email.send", "emails", 3)
	now := e.clock.Now()
	e.ack(run.PrepareRetry(jobs.JobError{Message: "timeout", Type: "timeout"}, now.Add(time.Hour), now))
	running := e.start("e-run", "email.send", "emails", 3)
	e.enqueue("e-pend-1", "email.send", "emails")
	e.enqueue("e-pend-2", "email.send", "emails", jobs.WithMetadata("origin", "signup"))
	e.enqueue("e-sched", "email.send", "emails", jobs.RunIn(time.Hour))

	workers := []jobs.WorkerInfo{
		{ID: "proc-1/emails/000", ProcessID: "proc-1", Queue: "emails", Status: jobs.WorkerRunning,
			JobID: running.ID, JobType: running.Type, JobStartedAt: running.StartedAt, LastHeartbeat: now},
		{ID: "proc-1/emails/001", ProcessID: "proc-1", Queue: "emails", Status: jobs.WorkerIdle, LastHeartbeat: now},
	}
	if err := e.b.ReportWorkers(e.ctx, "proc-1", workers, time.Hour); err != nil {
		e.t.Fatalf("ReportWorkers: %v", err)
	}
}
