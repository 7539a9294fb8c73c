package admintest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/google/go-cmp/cmp"
	"github.com/jobsgo/jobs/admin"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

var tests = []test{
	{"Stats", testStats},
	{"Queues", testQueues},
	{"Failed", testFailed},
	{"Job", testJob},
	{"Retry", testRetry},
	{"Cancel", testCancel},
	{"Delete", testDelete},
	{"RetryAllFailed", testRetryAll},
	{"PurgeFailed", testPurge},
	{"QueueJobs", testQueueJobs},
	{"History", testHistory},
	{"PauseResume", testPauseResume},
	{"Repair", testRepair},
	{"Authentication", testAuth},
	{"Routing", testRouting},
	{"ReadOnly", testReadOnly},
	{"CrossSiteForms", testCrossSite},
	{"MountedUnderPrefix", testPrefix},
}

// at is the fixture time Start+d.
func at(d time.Duration) time.Time { return backendtest.Start.Add(d) }

func testStats(e *env) {
	got := decode[admin.Stats](e, "stats", e.do(req{path: "/api/admin/jobs/stats"}))
	run := e.stored("e-run")
	want := admin.Stats{
		Processed: 5, Succeeded: 1, Failed: 4, DeadLetters: 3, AvgDurationMS: 600,
		Queues: []admin.QueueStats{
			{Name: "emails", Size: 2, Scheduled: 1, Retrying: 1, Running: 1, DeadLetters: 1, Processed: 3, Succeeded: 1, Failed: 2, AvgDurationMS: 1000},
			{Name: "reports", DeadLetters: 2, Processed: 2, Failed: 2},
		},
		Workers: []admin.Worker{
			{ID: "proc-1/emails/000", ProcessID: "proc-1", Queue: "emails", Status: jobs.WorkerRunning, JobID: "e-run", JobType: "email.send", JobStartedAt: run.StartedAt.UTC(), LastHeartbeat: at(6 * time.Second)},
			{ID: "proc-1/emails/001", ProcessID: "proc-1", Queue: "emails", Status: jobs.WorkerIdle, LastHeartbeat: at(6 * time.Second)},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		e.t.Fatalf("stats (-want +got):\n%s", diff)
	}
}

func testQueues(e *env) {
	got := decode[[]admin.QueueStats](e, "queues", e.do(req{path: "/api/admin/queues"}))
	var names []string
	for _, q := range got {
		names = append(names, q.Name)
	}
	if !slices.Equal(names, []string{"emails", "reports"}) || got[0].Size != 2 {
		e.t.Fatalf("queues = %+v", got)
	}
}

func testFailed(e *env) {
	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"r-dead-2", "r-dead-1", "e-dead"}},
		{"?limit=2", []string{"r-dead-2", "r-dead-1"}},
		{"?limit=1000", []string{"r-dead-2", "r-dead-1", "e-dead"}},
		{"?queue=emails", []string{"e-dead"}},
		{"?type=email.send", []string{"r-dead-2", "e-dead"}},
		{"?queue=reports&type=report.build", []string{"r-dead-1"}},
		{"?queue=nowhere", []string{}},
	}
	for _, c := range cases {
		got := decode[admin.JobList](e, "failed"+c.query, e.do(req{path: "/api/admin/jobs/failed" + c.query}))
		if !slices.Equal(ids(got.Jobs), c.want) {
			e.t.Errorf("failed%s = %v, want %v", c.query, ids(got.Jobs), c.want)
		}
	}
	got := decode[admin.JobList](e, "failed", e.do(req{path: "/api/admin/jobs/failed?queue=emails"}))
	want := admin.Job{
		ID: "e-dead", Type: "email.send", Queue: "emails", Priority: "normal", State: jobs.StateFailed,
		Args:      json.RawMessage(`{"to":"e-dead@example.com"}`),
		LastError: &admin.JobError{Message: deadMessage, Type: "*smtp.Error"},
		Attempts:  1, CreatedAt: at(2 * time.Second), ExecuteAt: at(2 * time.Second),
		StartedAt: at(2 * time.Second), FinishedAt: at(3 * time.Second), DurationMS: 1000,
	}
	if diff := cmp.Diff(want, got.Jobs[0], rawJSON); diff != "" {
		e.t.Fatalf("dead-letter job (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"?limit=0", "?limit=-1", "?limit=abc", "?limit=1001", "?limit=", "?queue=a%7Bb%7D", "?type=a%20b"} {
		res := e.do(req{path: "/api/admin/jobs/failed" + bad})
		if bad == "?limit=" {
			e.expectStatus("failed"+bad, res, http.StatusOK)
			continue
		}
		e.expectError("failed"+bad, res, http.StatusBadRequest, "")
	}
}

// rawJSON compares JSON by value, not by bytes.
var rawJSON = cmp.Comparer(func(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var va, vb any
	return json.Unmarshal(a, &va) == nil && json.Unmarshal(b, &vb) == nil && cmp.Equal(va, vb)
})

func testJob(e *env) {
	got := decode[admin.Job](e, "job e-dead", e.do(req{path: "/api/admin/jobs/e-dead"}))
	if got.LastError == nil || got.LastError.Stacktrace != stack || got.DurationMS != 1000 || got.RetriesLeft != 0 {
		e.t.Fatalf("job e-dead = %+v, want its stack trace and a duration of 1000 ms", got)
	}
	done := decode[admin.Job](e, "job e-done", e.do(req{path: "/api/admin/jobs/e-done"}))
	if string(done.Result) != `{"sent":true}` || done.State != jobs.StateCompleted || done.DurationMS != 2000 {
		e.t.Fatalf("job e-done = %+v", done)
	}
	run := decode[admin.Job](e, "job e-run", e.do(req{path: "/api/admin/jobs/e-run"}))
	if !run.LeaseUntil.Equal(at(6*time.Second+time.Minute)) || run.DurationMS != 0 || run.RetriesLeft != 3 {
		e.t.Fatalf("job e-run = %+v", run)
	}
	pend := decode[admin.Job](e, "job e-pend-2", e.do(req{path: "/api/admin/jobs/e-pend-2"}))
	if pend.Metadata["origin"] != "signup" || !pend.StartedAt.IsZero() {
		e.t.Fatalf("job e-pend-2 = %+v", pend)
	}
	e.expectError("unknown job", e.do(req{path: "/api/admin/jobs/nope"}), http.StatusNotFound, "Job not found")
	e.expectError("malformed ID", e.do(req{path: "/api/admin/jobs/bad%20id"}), http.StatusBadRequest, "Invalid job ID")
	e.expectError("too long ID", e.do(req{path: "/api/admin/jobs/" + strings.Repeat("x", 201)}), http.StatusBadRequest, "Invalid job ID")
}

// actionCases are the expectations of a per-job action endpoint.
type actionCase struct {
	id     string
	status int
	msg    string     // the error, or the success message
	state  jobs.State // the stored state afterwards, on success
}

func (e *env) expectActions(method, action string, cases []actionCase) {
	e.t.Helper()
	for _, c := range cases {
		path := "/api/admin/jobs/" + c.id
		if action != "" {
			path += "/" + action
		}
		res := e.do(req{method: method, path: path})
		what := method + " " + path
		if c.status != http.StatusOK {
			e.expectError(what, res, c.status, c.msg)
			continue
		}
		got := decode[admin.Message](e, what, res)
		if got.Message != c.msg {
			e.t.Fatalf("%s: message %q, want %q", what, got.Message, c.msg)
		}
		if c.state == "" {
			continue
		}
		if got.Job == nil || got.Job.ID != c.id || got.Job.State != c.state {
			e.t.Fatalf("%s: job %+v, want %s %s", what, got.Job, c.id, c.state)
		}
		if s := e.stored(c.id).State; s != c.state {
			e.t.Fatalf("%s: stored state %s, want %s", what, s, c.state)
		}
	}
}

func testRetry(e *env) {
	e.expectActions(http.MethodPost, "retry", []actionCase{
		{"e-dead", http.StatusOK, "Job queued for retry", jobs.StatePending},
		{"e-dead", http.StatusConflict, "pending", ""},
		{"e-pend-1", http.StatusConflict, "", ""},
		{"e-done", http.StatusConflict, "", ""},
		{"e-run", http.StatusConflict, "", ""},
		{"nope", http.StatusNotFound, "Job not found", ""},
		{"bad%20id", http.StatusBadRequest, "Invalid job ID", ""},
	})
	if j := e.stored("e-dead"); j.Attempt != 0 {
		e.t.Fatalf("retried job has %d attempts, want 0", j.Attempt)
	}
}

func testCancel(e *env) {
	e.expectActions(http.MethodPost, "cancel", []actionCase{
		{"e-pend-1", http.StatusOK, "Job cancelled", jobs.StateCancelled},
		{"e-sched", http.StatusOK, "Job cancelled", jobs.StateCancelled},
		{"e-retry", http.StatusOK, "Job cancelled", jobs.StateCancelled},
		{"e-run", http.StatusOK, "Job cancelled", jobs.StateCancelled},
		{"e-pend-1", http.StatusConflict, "cancelled", ""},
		{"e-done", http.StatusConflict, "completed", ""},
		{"e-dead", http.StatusConflict, "failed", ""},
		{"nope", http.StatusNotFound, "Job not found", ""},
		{"bad%09id", http.StatusBadRequest, "Invalid job ID", ""},
	})
}

func testDelete(e *env) {
	e.expectActions(http.MethodDelete, "", []actionCase{
		{"e-dead", http.StatusOK, "Job deleted", ""},
		{"e-dead", http.StatusNotFound, "Job not found", ""},
		{"e-pend-1", http.StatusConflict, "only failed", ""},
		{"e-done", http.StatusConflict, "only failed", ""},
		{"bad%20id", http.StatusBadRequest, "Invalid job ID", ""},
	})
	if _, err := e.b.Job(e.ctx, "e-dead"); err == nil {
		e.t.Fatal("deleted job is still stored")
	}
	if got := decode[admin.JobList](e, "failed", e.do(req{path: "/api/admin/jobs/failed"})); !slices.Equal(ids(got.Jobs), []string{"r-dead-2", "r-dead-1"}) {
		e.t.Fatalf("failed after delete = %v", ids(got.Jobs))
	}
}

// bulkCase is one call of a bulk dead-letter endpoint, in sequence.
type bulkCase struct {
	body   string
	status int
	count  int
	left   []string // dead letters afterwards, newest first
}

func (e *env) expectBulk(action string, cases []bulkCase) {
	e.t.Helper()
	path := "/api/admin/jobs/failed/" + action
	for _, c := range cases {
		what := "POST " + path + " " + c.body
		res := e.do(req{method: http.MethodPost, path: path, body: c.body})
		if c.status != http.StatusOK {
			e.expectError(what, res, c.status, "")
		} else if got := decode[admin.CountMessage](e, what, res); got.Count != c.count {
			e.t.Fatalf("%s: count %d, want %d", what, got.Count, c.count)
		}
		if got := decode[admin.JobList](e, "failed", e.do(req{path: "/api/admin/jobs/failed"})); !slices.Equal(ids(got.Jobs), c.left) {
			e.t.Fatalf("after %s: failed = %v, want %v", what, ids(got.Jobs), c.left)
		}
	}
}

func testRetryAll(e *env) {
	all := []string{"r-dead-2", "r-dead-1", "e-dead"}
	e.expectBulk("retry", []bulkCase{
		{`{`, http.StatusBadRequest, 0, all},
		{`{"queue":"reports","oops":1}`, http.StatusBadRequest, 0, all},
		{`{"queue":"a{b}"}`, http.StatusBadRequest, 0, all},
		{`{"queue":"nowhere"}`, http.StatusOK, 0, all},
		{`{"queue":"reports","type":"report.build"}`, http.StatusOK, 1, []string{"r-dead-2", "e-dead"}},
		{`{"type":"email.send"}`, http.StatusOK, 2, []string{}},
	})
	for _, id := range all {
		if s := e.stored(id).State; s != jobs.StatePending {
			e.t.Fatalf("job %s is %s after retry, want pending", id, s)
		}
	}
	res := e.do(req{method: http.MethodPost, path: "/api/admin/jobs/failed/retry"})
	if got := decode[admin.CountMessage](e, "retry with no body", res); got.Count != 0 {
		e.t.Fatalf("retry of an empty dead-letter queue: count %d", got.Count)
	}
}

func testPurge(e *env) {
	e.expectBulk("purge", []bulkCase{
		{`{"type":""}`, http.StatusOK, 3, []string{}},
	})
	e.seedMoreDead()
	e.expectBulk("purge", []bulkCase{
		{`{"queue":"reports"}`, http.StatusOK, 1, []string{"x-dead"}},
		{``, http.StatusOK, 1, []string{}},
	})
	for _, id := range []string{"e-dead", "r-dead-1", "x-dead", "y-dead"} {
		if _, err := e.b.Job(e.ctx, id); err == nil {
			e.t.Fatalf("purged job %s is still stored", id)
		}
	}
}

// seedMoreDead fails x-dead (queue misc) and then y-dead (reports).
func (e *env) seedMoreDead() {
	e.t.Helper()
	for _, f := range []struct{ id, queue string }{{"x-dead", "misc"}, {"y-dead", "reports"}} {
		run := e.start(f.id, "email.send", f.queue, 0)
		e.ack(run.Fail(jobs.JobError{Message: "x", Type: "error"}, e.clock.Now()))
		e.clock.Advance(time.Second)
	}
}

// testRepair checks a queue (dry run, then with fix=1) of a healthy
// backend: nothing to repair, every job of the queue checked.
func testRepair(e *env) {
	for _, fix := range []string{"", "?fix=1"} {
		got := decode[jobs.RepairReport](e, "repair"+fix, e.do(req{method: http.MethodPost, path: "/api/admin/queues/emails/repair" + fix}))
		if got.Queue != "emails" || got.Fixed != (fix != "") || got.Checked != 7 || len(got.Problems) != 0 {
			e.t.Fatalf("repair%s = %+v; want 7 jobs of emails checked, no problem", fix, got)
		}
	}
	e.expectError("bad fix", e.do(req{method: http.MethodPost, path: "/api/admin/queues/emails/repair?fix=yes"}), http.StatusBadRequest, "fix must be")
	e.expectError("bad queue", e.do(req{method: http.MethodPost, path: "/api/admin/queues/a%7Bb%7D/repair"}), http.StatusBadRequest, "Invalid queue name")
}
