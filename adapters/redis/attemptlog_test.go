package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime/backendtest"

	goredis "github.com/redis/go-redis/v9"
)

// TestImpliedAttemptLog checks that the attempt log of a job completed by
// its first attempt is neither stored in the job hash (field h) nor in its
// history snapshot, and that every read (Job, ListJobs, History) still
// returns it: the readers put back the record the job's other fields
// imply. Jobs whose log says more (a failure, a retry, a cancellation)
// keep it stored. It fails if a reader stops putting the record back.
func TestImpliedAttemptLog(t *testing.T) {
	fail := func(msg string) func(jobs.Job, time.Time) (jobs.Job, error) {
		return func(j jobs.Job, now time.Time) (jobs.Job, error) {
			return j.PrepareRetry(jobs.JobError{Type: "e", Message: msg}, now.Add(time.Second), now)
		}
	}
	complete := func(j jobs.Job, now time.Time) (jobs.Job, error) { return j.Complete([]byte(`{"ok":1}`), now) }
	cases := []struct {
		name     string
		attempts []func(jobs.Job, time.Time) (jobs.Job, error) // one per attempt, in order
		stored   bool                                          // field h and the snapshot's log are written
	}{
		{"completed at once", []func(jobs.Job, time.Time) (jobs.Job, error){complete}, false},
		{"completed after a retry", []func(jobs.Job, time.Time) (jobs.Job, error){fail("first"), complete}, true},
		{"failed at once", []func(jobs.Job, time.Time) (jobs.Job, error){func(j jobs.Job, now time.Time) (jobs.Job, error) {
			return j.Fail(jobs.JobError{Type: "e", Message: "no"}, now)
		}}, true},
		{"cancelled while running", []func(jobs.Job, time.Time) (jobs.Job, error){func(j jobs.Job, now time.Time) (jobs.Job, error) {
			return j.Cancel(now)
		}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock)
			ctx := context.Background()
			must(t, b.Enqueue(ctx, job(t, clock, "j", "q", jobs.WithMaxRetries(3))))
			var last jobs.Job
			for _, end := range tc.attempts {
				clock.Advance(time.Minute) // a retry is due
				got := dequeue(t, b, "q", 1)
				if len(got) != 1 {
					t.Fatalf("dequeued %d jobs, want 1", len(got))
				}
				clock.Advance(time.Second)
				var err error
				last, err = end(got[0], clock.Now())
				must(t, err)
				must(t, b.Ack(ctx, last))
			}
			k := b.queue("q")
			h, err := b.client.HGet(ctx, k.job("j"), "h").Result()
			if err != nil && !errors.Is(err, goredis.Nil) {
				t.Fatal(err)
			}
			if (h != "") != tc.stored {
				t.Errorf("field h is %q; stored = %v, want %v", h, h != "", tc.stored)
			}
			if last.State == jobs.StateCompleted || last.State == jobs.StateFailed {
				snap, err := b.client.LIndex(ctx, k.history("test.job"), 0).Result()
				must(t, err)
				if got := strings.Contains(snap, `"attempt_log"`); got != tc.stored {
					t.Errorf("history snapshot %s: has an attempt log = %v, want %v", snap, got, tc.stored)
				}
			}
			for how, read := range attemptLogReads(t, b, last) {
				if err := sameLog(read.AttemptLog, last.AttemptLog); err != nil {
					t.Errorf("%s: %v", how, err)
				}
			}
		})
	}
}

// attemptLogReads returns job j as every read returns it: Job, ListJobs
// in its state and, when it finished, History.
func attemptLogReads(t *testing.T, b *Backend, j jobs.Job) map[string]jobs.Job {
	t.Helper()
	ctx := context.Background()
	reads := map[string]jobs.Job{}
	got, err := b.Job(ctx, j.ID)
	must(t, err)
	reads["Job"] = got
	page, err := b.ListJobs(ctx, jobs.JobQuery{Queue: j.Queue, State: j.State, Limit: 10})
	must(t, err)
	for _, l := range page.Jobs {
		if l.ID == j.ID {
			reads["ListJobs"] = l
		}
	}
	if j.State == jobs.StateCompleted || j.State == jobs.StateFailed {
		hist, err := b.History(ctx, j.Type, 10)
		must(t, err)
		for _, l := range hist {
			if l.ID == j.ID {
				reads["History"] = l
			}
		}
	}
	if _, ok := reads["ListJobs"]; !ok {
		t.Fatalf("job %s is not among the %s jobs", j.ID, j.State)
	}
	return reads
}

// sameLog reports how got differs from want.
func sameLog(got, want []jobs.AttemptRecord) error {
	if len(got) != len(want) || len(want) == 0 {
		return fmt.Errorf("attempt log %+v, want %+v", got, want)
	}
	for i, w := range want {
		g := got[i]
		if g.Attempt != w.Attempt || g.Outcome != w.Outcome || !g.StartedAt.Equal(w.StartedAt) || !g.FinishedAt.Equal(w.FinishedAt) ||
			(g.Error == nil) != (w.Error == nil) || (w.Error != nil && *g.Error != *w.Error) {
			return fmt.Errorf("record %d is %+v, want %+v", i, g, w)
		}
	}
	return nil
}
