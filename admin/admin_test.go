package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/admin"
	"github.com/jobsgo/jobs/admin/admintest"
)

func TestAPI(t *testing.T) {
	admintest.Run(t, func(t *testing.T, clock jobs.Clock) jobs.Backend {
		return memory.New(memory.WithClock(clock))
	})
}

func TestNewRefuses(t *testing.T) {
	b := memory.New()
	cases := []struct {
		name    string
		backend jobs.Backend
		opts    []admin.Option
		want    string
	}{
		{"nil backend", nil, []admin.Option{admin.WithToken("t")}, "backend is nil"},
		{"no authentication", b, nil, "authentication is required"},
		{"read-only is no authentication", b, []admin.Option{admin.WithReadOnly()}, "authentication is required"},
		{"empty token", b, []admin.Option{admin.WithToken(" ")}, "token is empty"},
		{"nil authorizer", b, []admin.Option{admin.WithAuthorizer(nil)}, "authorizer is nil"},
		{"empty allowed host", b, []admin.Option{admin.WithToken("t"), admin.WithAllowedHosts("")}, "not a host name"},
		{"URL as allowed host", b, []admin.Option{admin.WithToken("t"), admin.WithAllowedHosts("http://x/")}, "not a host name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := admin.New(c.backend, c.opts...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New = %v, %v; want an error containing %q", h, err, c.want)
			}
		})
	}
}

// faultyBackend makes Stats panic and DeadLetters fail.
type faultyBackend struct{ *memory.Backend }

func (faultyBackend) Stats(context.Context) (jobs.Stats, error) { panic("stats exploded") }

func (faultyBackend) DeadLetters(context.Context, jobs.DeadLetterQuery) ([]jobs.Job, error) {
	return nil, errors.New("connection refused: redis://secret-host:6379")
}

func TestServerErrors(t *testing.T) {
	var logs bytes.Buffer
	h, err := admin.New(faultyBackend{memory.New()}, admin.WithToken("t"), admin.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		log  string
	}{
		{"/api/admin/jobs/stats", "stats exploded"},
		{"/api/admin/jobs/failed", "secret-host"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, c.path, nil)
		r.Header.Set("Authorization", "Bearer t")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var body admin.ErrorResponse
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusInternalServerError || body.Error != "Internal server error" {
			t.Errorf("%s: %d %s; want 500 {\"error\": \"Internal server error\"}", c.path, w.Code, w.Body)
		}
		if !strings.Contains(logs.String(), c.log) {
			t.Errorf("%s: log %q does not mention %q", c.path, logs.String(), c.log)
		}
	}
}

func TestJobJSON(t *testing.T) {
	created := time.Date(2031, 3, 4, 5, 6, 7, 8_000_000, time.FixedZone("CET", 3600))
	pending, err := jobs.NewJob("mail", json.RawMessage(`{"a":1}`), jobs.ResolveEnqueueOptions(
		jobs.WithJobID("j1"), jobs.WithTimeout(1500*time.Millisecond),
		jobs.WithRetryPolicy(jobs.RetryPolicy{Backoff: jobs.BackoffLinear, InitialDelay: 2 * time.Second}),
	), created)
	if err != nil {
		t.Fatal(err)
	}
	running, err := pending.Start(created.Add(time.Second), created.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	done, err := running.Complete(nil, created.Add(3*time.Second+250*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		job  jobs.Job
		want string
	}{
		{"pending", pending, `{"id":"j1","type":"mail","queue":"default","priority":"normal","state":"pending","args":{"a":1},` +
			`"attempts":0,"max_retries":3,"retries_left":4,"timeout_ms":1500,"retry_policy":{"backoff":"linear","initial_delay_ms":2000},` +
			`"created_at":"2031-03-04T04:06:07.008Z","execute_at":"2031-03-04T04:06:07.008Z"}`},
		{"completed", done, `{"id":"j1","type":"mail","queue":"default","priority":"normal","state":"completed","args":{"a":1},` +
			`"attempts":1,"max_retries":3,"retries_left":3,"timeout_ms":1500,"retry_policy":{"backoff":"linear","initial_delay_ms":2000},` +
			`"created_at":"2031-03-04T04:06:07.008Z","execute_at":"2031-03-04T04:06:07.008Z","started_at":"2031-03-04T04:06:08.008Z",` +
			`"finished_at":"2031-03-04T04:06:10.258Z","duration_ms":2250}`},
	}
	for _, c := range cases {
		got, err := json.Marshal(admin.JobOf(c.job, true))
		if err != nil || string(got) != c.want {
			t.Errorf("%s:\n got %s, %v\nwant %s", c.name, got, err, c.want)
		}
	}
}
