package redis

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/admin"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// hugeAttempt is an attempt number no reader can parse.
const hugeAttempt = "99999999999999999999999"

// TestQuarantinedJobs corrupts jobs in the ways operators met, lets the
// backend quarantine them, and checks that each can be read (Job,
// DeadLetters, ListJobs, the admin API) with its unreadable fields shown
// raw, retried when its type and arguments survived (and then runs with
// its arguments), and deleted.
func TestQuarantinedJobs(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		corrupt  func(t *testing.T, b *Backend, key string) // on a pending job's hash
		raw      map[string]string                          // expected in Job().Raw
		runnable bool
		bulk     bool // retried by RetryDeadLetters rather than RetryDeadLetter
	}{
		{"huge attempt", func(t *testing.T, b *Backend, key string) {
			must(t, b.client.HSet(ctx, key, "a", hugeAttempt).Err())
		}, map[string]string{"a": hugeAttempt}, true, false},
		{"garbage static JSON", func(t *testing.T, b *Backend, key string) {
			must(t, b.client.HSet(ctx, key, "d", "{not json").Err())
		}, map[string]string{"d": "{not json"}, false, false},
		{"bad time and result", func(t *testing.T, b *Backend, key string) {
			must(t, b.client.HSet(ctx, key, "x", "soon", "r", "{").Err())
		}, map[string]string{"x": "soon"}, true, true},
		{"quarantined by an earlier version", func(t *testing.T, b *Backend, key string) {
			// What quarantine left before it kept readable fields: d
			// replaced by the type alone, the original d in raw, the
			// unreadable attempt kept.
			d, err := b.client.HGet(ctx, key, "d").Result()
			must(t, err)
			e := `{"type":"corrupt_job","message":"job old is corrupt in Redis: attempt is not a number"}`
			must(t, b.client.HSet(ctx, key, "d", `{"t":"test.job"}`, "raw", d, "a", hugeAttempt, "s", "failed", "e", e).Err())
			must(t, b.client.LRem(ctx, b.queue("q").keys[1], 0, "old").Err())
			must(t, b.client.ZAdd(ctx, b.queue("q").keys[keyDead], goredis.Z{Score: 1, Member: "old"}).Err())
		}, map[string]string{"a": hugeAttempt}, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock)
			id := "old"
			j := job(t, clock, id, "q")
			j.Args = json.RawMessage(`{"n":1}`)
			must(t, b.Enqueue(ctx, j))
			c.corrupt(t, b, b.queue("q").job(id))
			short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			if got, err := b.Dequeue(short, "q", 1, time.Minute); len(got) != 0 || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Dequeue = %+v, %v; want the corrupt job quarantined and nothing to run", got, err)
			}

			got, err := b.Job(ctx, id)
			if err != nil {
				t.Fatalf("Job: %v", err)
			}
			if got.State != jobs.StateFailed || got.Error == nil || got.Error.Type != jobs.ErrorTypeCorrupt {
				t.Fatalf("Job = %s, %+v; want a failed corrupt_job", got.State, got.Error)
			}
			for f, v := range c.raw {
				if got.Raw[f] != v {
					t.Errorf("Raw[%s] = %q, want %q (Raw %v)", f, got.Raw[f], v, got.Raw)
				}
			}
			dead, err := b.DeadLetters(ctx, jobs.DeadLetterQuery{})
			if err != nil || len(dead) != 1 || dead[0].Raw == nil {
				t.Errorf("DeadLetters = %+v, %v; want the job with its raw fields", dead, err)
			}
			page, err := b.ListJobs(ctx, jobs.JobQuery{Queue: "q", State: jobs.StateFailed, Limit: 10})
			if err != nil || len(page.Jobs) != 1 || page.Jobs[0].Raw == nil {
				t.Errorf("ListJobs = %+v, %v; want the job with its raw fields", page, err)
			}
			api := adminHandler(t, b)
			if code, body := api("GET", "/api/admin/jobs/"+id); code != http.StatusOK || !strings.Contains(body, `"raw"`) {
				t.Errorf("admin GET: %d %s", code, body)
			}

			var retried jobs.Job
			if c.bulk {
				n, bulkErr := b.RetryDeadLetters(ctx, jobs.DeadLetterQuery{Queue: "q"})
				if bulkErr != nil || n != 1 {
					t.Fatalf("RetryDeadLetters = %d, %v; want the quarantined job requeued", n, bulkErr)
				}
				retried, err = b.Job(ctx, id)
			} else {
				retried, err = b.RetryDeadLetter(ctx, id)
			}
			if !c.runnable {
				if !errors.Is(err, jobs.ErrInvalidTransition) || !strings.Contains(err.Error(), "delete it") {
					t.Fatalf("RetryDeadLetter = %v; want a refusal that says to delete it", err)
				}
				if code, body := api("DELETE", "/api/admin/jobs/"+id); code != http.StatusOK {
					t.Fatalf("admin DELETE: %d %s", code, body)
				}
				if _, err := b.Job(ctx, id); !errors.Is(err, jobs.ErrJobNotFound) {
					t.Fatalf("Job after delete: %v", err)
				}
				return
			}
			if err != nil || retried.State != jobs.StatePending || retried.Attempt != 0 || retried.Raw != nil {
				t.Fatalf("RetryDeadLetter = %+v, %v; want pending, attempt 0, no raw fields", retried, err)
			}
			run := dequeue(t, b, "q", 1)
			if len(run) != 1 || run[0].Attempt != 1 || string(run[0].Args) != `{"n":1}` || run[0].Type != "test.job" {
				t.Fatalf("Dequeue after retry = %+v; want the job with its arguments, attempt 1", run)
			}
			done, err := run[0].Complete(nil, clock.Now())
			must(t, err)
			must(t, b.Ack(ctx, done))
			stored, err := b.Job(ctx, id)
			if err != nil || stored.State != jobs.StateCompleted || stored.Raw != nil {
				t.Fatalf("Job after the run = %+v, %v", stored, err)
			}
			must(t, b.Delete(ctx, id))
		})
	}
}

// adminHandler serves the admin API on b and returns a function that
// sends one request with the bearer token and returns status and body.
func adminHandler(t *testing.T, b jobs.Backend) func(method, path string) (int, string) {
	t.Helper()
	h, err := admin.New(b, admin.WithToken("secret"))
	must(t, err)
	return func(method, path string) (int, string) {
		r := httptest.NewRequest(method, path, nil)
		r.Header.Set("Authorization", "Bearer secret")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
}
